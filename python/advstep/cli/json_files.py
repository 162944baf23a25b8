"""Reading the command's JSON files (case files, manifests) so that any content gets one line.

``json`` alone turns some files into tracebacks: nesting thousands of levels deep (RecursionError),
an integer of thousands of digits (ValueError), ``NaN``; and jsonschema accepts ``8.0`` where an
integer is asked. Here each is a UsageError naming the file, and ``integer`` reads a field as an
int and nothing else.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from .errors import UsageError

#: The deepest nesting any file of the command has (a case file's values of an 8-d tensor: 13).
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: The largest JSON file read: far above CANN's ST files and advstep's manifests, and a bound on what
#: a file that never ends (a device, a pipe) can make the command allocate.
MAX_BYTES = 256 << 20


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth_exceeded(data: Any) -> bool:
    """Whether ``data`` nests deeper than MAX_DEPTH (iteratively: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            if depth > MAX_DEPTH:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def read_json(path: str, what: str) -> Any:
    """The JSON value in ``path``; a UsageError (``path: not a JSON WHAT (reason)``) for a file that
    cannot be read, is not JSON, or nests deeper than MAX_DEPTH."""
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_BYTES + 1)  # bounded: /dev/zero or an endless pipe must not fill memory
        if len(raw) > MAX_BYTES:
            raise UsageError(f"{path}: not a JSON {what} (larger than {MAX_BYTES >> 20} MiB)")
        text = raw.decode("utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not a JSON {what} (not UTF-8 text: {error.reason})") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise UsageError(f"{path}: not a JSON {what} (nested deeper than {MAX_DEPTH} levels)") from None
    except ValueError as error:  # JSONDecodeError, an integer of too many digits, NaN/Infinity
        reason = str(error).splitlines()[0][:160]
        raise UsageError(f"{path}: not a JSON {what} ({reason})") from None
    if _depth_exceeded(data):
        raise UsageError(f"{path}: not a JSON {what} (nested deeper than {MAX_DEPTH} levels)")
    return data


def is_integer(value: Any) -> bool:
    """A JSON integer: a Python int, not a bool and not a float such as 8.0."""
    return isinstance(value, int) and not isinstance(value, bool)


def integer(value: Any, where: str, minimum: int = INT64_MIN, maximum: int = INT64_MAX,
            field: Optional[str] = None) -> int:
    """``value`` as an int in [minimum, maximum]; a UsageError naming ``where`` otherwise."""
    label = f"{where}: {field}" if field else where
    if not is_integer(value):
        raise UsageError(f"{label} must be an integer (got {_shown(value)})")
    if not minimum <= value <= maximum:
        raise UsageError(f"{label} must be in [{minimum}, {maximum}] (got {_shown(value)})")
    return value


def _shown(value: Any) -> str:
    if is_integer(value) and value.bit_length() > 128:  # str() of a huge int is slow, or refused
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
