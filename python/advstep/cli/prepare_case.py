"""Prepare-step cases (``"op": "prepare_inputs"``, ``"advance_drafts"``, ``"post_update"``): a case file's
entry, its seeded draw, and the drawn case the verbs compute, check and explain.

An entry names its tensors by the spec's Python names (section 9) in ``tensors``, each as advance_step's
cases store theirs (``values``, or ``shape`` with a ``range``; a ``shape`` alone is zeros; ``dtype`` int32
or int64, default int64), with ``block_tables`` a list of G such tables. Scalars and options are fields of
the entry (``block_size``: an int or G ints). Sizes are weighed before anything is drawn (limits.py); the
library checks every shape, scalar and option rule, and its argument errors are the command's usage errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .case import Case
from .errors import UsageError
from .json_files import integer, is_integer
from .limits import element_count
from .names import plain_name
from .prepare_ops import DTYPES, MAX_GROUPS, OPERATIONS, TABLE, Operation, table_name

_INT32 = (-(2**31), 2**31 - 1)


@dataclass
class PrepareTensor:
    """How one tensor is made: fixed ``values``, or ``shape`` drawn from ``low..high`` (zeros without a range)."""

    shape: tuple[int, ...]
    dtype: str = "int64"
    values: Optional[np.ndarray] = None
    low: int = 0
    high: int = 0


@dataclass
class PrepareSpec:
    """One prepare-step entry of a case file, before its values are drawn."""

    name: str
    op: str
    tensors: dict[str, PrepareTensor]
    #: Scalars, options and flags as given or defaulted; ``block_size`` a list of G ints.
    settings: dict[str, Any]

    def refusal(self) -> Optional[str]:
        return None  # every rule is the library's, reported when the case is computed

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(n for n in OPERATIONS[self.op].outputs if n in self.tensors)

    def elements(self) -> dict[str, int]:
        return {name: int(np.prod(t.shape, dtype=object)) for name, t in self.tensors.items()}

    def generate(self, seed: int, index: int, copy: int, name: str) -> "PrepareCase":
        rng = np.random.default_rng([seed, index, copy])
        arrays = {}
        for tensor_name, t in self.tensors.items():
            if t.values is not None:
                arrays[tensor_name] = np.array(t.values, dtype=np.int64)
            else:
                arrays[tensor_name] = rng.integers(t.low, t.high, size=t.shape, dtype=np.int64, endpoint=True)
        return PrepareCase(name, 0, 0, 0, arrays, self.op, {n: t.dtype for n, t in self.tensors.items()
                                                             if t.dtype != "int64"}, dict(self.settings))


@dataclass
class PrepareCase(Case):
    """One drawn prepare-step call: ``tensors`` by file name (block table g is ``block_tables_g``), ``settings``
    its scalars and options. It answers the verbs as an advance_step Case does (outputs, api, summary)."""

    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def operation(self) -> Operation:
        return OPERATIONS[self.op]

    @property
    def is_flashinfer(self) -> bool:
        return False

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(n for n in self.operation.outputs if n in self.tensors)

    @property
    def api(self) -> str:
        return self.op

    def has_speculation(self) -> bool:
        return False

    @property
    def groups(self) -> int:
        return sum(1 for n in self.tensors if n.startswith(TABLE + "_"))

    def tables(self) -> list[np.ndarray]:
        return [self.tensors[table_name(g)] for g in range(self.groups)]

    def summary(self) -> str:
        """"R=3 M=8 G=1" (the batch rows, the token buffer, the groups)."""
        rows = int(np.asarray(self.tensors["idx_mapping"]).size)
        tokens = self.tensors.get("positions", self.tensors.get("sampled_tokens"))
        text = f"R={rows}"
        if "positions" in self.tensors:
            text += f" M={int(np.asarray(tokens).size)}"
        return text + (f" G={self.groups}" if self.operation.tables else "")

    def refusal(self) -> Optional[str]:
        return None

    def attributes(self) -> dict[str, Any]:
        return dict(self.settings)

    def block_sizes(self) -> list[int]:
        return list(self.settings.get("block_size", []))


def _tensor(entry: Any, where: str) -> PrepareTensor:
    dtype = entry.get("dtype", "int64")
    shape = tuple(entry["shape"]) if "shape" in entry else None
    if shape is not None:
        element_count(shape, f"{where}.shape")
    if "values" in entry:
        try:
            values = np.array(entry["values"], dtype=np.int64)
        except (ValueError, OverflowError):
            raise UsageError(f"{where}.values: rows of unequal length") from None
        if shape is not None:
            if element_count(shape, f"{where}.shape") != values.size:
                raise UsageError(f"{where}: {values.size} values do not fill shape {list(shape)}")
            values = values.reshape(shape)
        _fits(values.reshape(-1).tolist(), dtype, where)
        return PrepareTensor(tuple(values.shape), dtype, values)
    if shape is None:
        raise UsageError(f"{where}: needs values, or a shape (with a range, or zeros)")
    low, high = entry.get("range", (0, 0))
    if low > high:
        raise UsageError(f"{where}.range: low {low} is above high {high}")
    _fits([low, high], dtype, where)
    return PrepareTensor(shape, dtype, None, low, high)


def _fits(values: list[int], dtype: str, where: str) -> None:
    outside = [v for v in values if dtype == "int32" and not _INT32[0] <= v <= _INT32[1]]
    if outside:
        raise UsageError(f"{where}: {outside[0]} does not fit its dtype int32 ([{_INT32[0]}, {_INT32[1]}])")


def settings_of(op: Operation, given: dict[str, Any], groups: int, where: str) -> dict[str, Any]:
    """The scalars, options and flags of a call: those ``given`` (checked for type, and block_size for one
    per table), the others at their defaults; a UsageError naming ``where`` and the field otherwise."""
    settings: dict[str, Any] = {}
    for name, default in op.scalars.items():
        value = given.get(name, default)
        settings[name] = None if value is None else integer(value, where, field=name)
    for name, choices in op.options.items():
        value = given.get(name, choices[0])
        if value not in choices:
            raise UsageError(f"{where}: {name} must be one of {', '.join(choices)} (got {str(value)[:40]!r})")
        settings[name] = value
    for name, default in op.flags.items():
        value = given.get(name, default)
        if not isinstance(value, bool):
            raise UsageError(f"{where}: {name} must be true or false (got {str(value)[:40]!r})")
        settings[name] = value
    if op.tables:
        sizes = given.get("block_size")
        sizes = [sizes] if is_integer(sizes) else sizes
        if not isinstance(sizes, list) or not sizes:
            raise UsageError(f"{where}: block_size must be an integer or a list of one per block table")
        sizes = [integer(s, where, field=f"block_size[{g}]") for g, s in enumerate(sizes)]
        if len(sizes) != groups:
            raise UsageError(f"{where}: block_size gives {len(sizes)} sizes for {groups} block tables (one each)")
        settings["block_size"] = sizes
    return settings


def from_entry(entry: dict[str, Any], where: str) -> PrepareSpec:
    """The case file entry ``entry`` (already valid against case.schema.json's prepare-step case)."""
    op = OPERATIONS[entry["op"]]
    name = plain_name(entry["name"], f"{where}.name")
    given = dict(entry.get("tensors", {}))
    tables = given.pop(TABLE, None)
    if tables is not None and not op.tables:
        raise UsageError(f"{where}.tensors.{TABLE}: {op.name} takes no block tables")
    unknown = [n for n in given if n not in op.tensors]
    if unknown:
        raise UsageError(f"{where}.tensors.{unknown[0][:40]}: not a tensor of {op.name} "
                         f"(its tensors: {', '.join(op.tensors)}{', ' + TABLE if op.tables else ''})")
    missing = [n for n in op.required if n not in given]
    if missing:
        raise UsageError(f"{where}.tensors: {missing[0]} is missing ({op.name} needs {', '.join(op.required)})")
    tensors = {n: _tensor(t, f"{where}.tensors.{n}") for n, t in given.items()}
    if op.tables:
        if not isinstance(tables, list) or not 1 <= len(tables) <= MAX_GROUPS:
            raise UsageError(f"{where}.tensors.{TABLE}: a list of 1 to {MAX_GROUPS} tables is required")
        for g, table in enumerate(tables):
            tensors[table_name(g)] = _tensor(table, f"{where}.tensors.{TABLE}[{g}]")
    fields = {k: v for k, v in entry.items() if k not in ("name", "op", "description", "tensors")}
    known = set(op.defaults()) | ({"block_size"} if op.tables else set())
    stray = [k for k in fields if k not in known]
    if stray:
        raise UsageError(f"{where}: {stray[0][:40]} is not a setting of {op.name} "
                         f"(its settings: {', '.join(sorted(known))})")
    if "delta" in tensors and "delta" in fields:
        raise UsageError(f"{where}: delta is given twice (a scalar field and a tensor); give one")
    return PrepareSpec(name, op.name, tensors, settings_of(op, fields, len(tables or []), where))
