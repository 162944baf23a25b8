"""The Python-side argument handling the prepare-step operations share: scalars, option names, KV-cache groups.

Each helper names the operation (``api``, e.g. ``"advstep.prepare_inputs"``) in its ArgumentError; the library
checks everything else (arrays, ranges) and names it the same way.
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

from ._errors import OUT_OF_RANGE, ArgumentError

_INT64 = (-(1 << 63), (1 << 63) - 1)


def scalar(api: str, name: str, value: Any) -> int:
    """An int in int64 (numpy and torch integer scalars included); a bool or a non-integer is an argument error."""
    if isinstance(value, bool):
        raise ArgumentError(f"{api}: {name} must be an int, not a bool (expected an int, got {value!r})",
                            OUT_OF_RANGE)
    try:
        number = operator.index(value)
    except Exception as error:  # TypeError, or whatever a hostile __index__ raises
        raise ArgumentError(f"{api}: {name} must be an int (expected an int, got {value!r})",
                            OUT_OF_RANGE) from error
    if isinstance(number, bool) or not _INT64[0] <= number <= _INT64[1]:
        raise ArgumentError(f"{api}: {name} must be an int64 (expected an int in [-2^63, 2^63), got {number!r})",
                            OUT_OF_RANGE)
    return number


def option(api: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (a str), else an argument error listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ArgumentError(f"{api}: {name} must be one of {', '.join(repr(c) for c in choices)} (expected "
                            f"{' or '.join(repr(c) for c in choices)}, got {value!r})", OUT_OF_RANGE)
    return value


def is_table_sequence(block_tables: Any) -> bool:
    """A list or tuple of tables (G groups), as opposed to one bare 2-D table."""
    return isinstance(block_tables, (list, tuple))


def groups(api: str, block_tables: Any, block_size: Any) -> tuple[list[Any], list[int]]:
    """The G tables as a list and the G block sizes as ints (one bare table: G = 1)."""
    tables = list(block_tables) if is_table_sequence(block_tables) else [block_tables]
    if is_table_sequence(block_size):
        sizes: Sequence[Any] = block_size
        return tables, [scalar(api, f"block_size[{g}]", size) for g, size in enumerate(sizes)]
    return tables, [scalar(api, "block_size", block_size)]
