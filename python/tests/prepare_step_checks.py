"""The errors of spec prepare_step.md section 4: argument errors (five classes, in order) and data faults (F1-F8).

``ArgumentChecks`` states each argument rule once; an operation calls them class by class, so the first
failing rule of the lowest class is the one raised. ``Fault`` carries what the spec asks a data-fault
report to name: the class, the operation, b, r, t and the values involved.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from prepare_step_arrays import INDEX_DTYPES, Array

# The C API's status for each argument class (spec 4): null, dtype, shape, scalar, memory.
STATUS = {1: 161001, 2: 161002, 3: 561002, 4: 561002, 5: 161002}
FAULT_CLASSES = tuple(f"F{k}" for k in range(1, 9))


class ArgumentError(Exception):
    """An argument rule of class ``check`` (1 null/missing, 2 dtype, 3 shape, 4 scalar, 5 memory) failed."""

    def __init__(self, operation: str, check: int, name: str, message: str):
        super().__init__(f"{operation}: {message}")
        self.operation, self.check, self.name, self.status = operation, check, name, STATUS[check]


class Fault(Exception):
    """A data fault: nothing was written. ``values`` maps each value's name to what was read or computed."""

    def __init__(self, fault: str, operation: str, message: str, b: Optional[int] = None,
                 r: Optional[int] = None, t: Optional[int] = None, **values: int):
        where = ", ".join(f"{k} = {v}" for k, v in (("b", b), ("r", r), ("t", t)) if v is not None)
        super().__init__(f"{operation}: {fault}: {message}" + (f" ({where})" if where else ""))
        assert fault in FAULT_CLASSES
        self.fault, self.operation, self.b, self.r, self.t, self.values = fault, operation, b, r, t, values


def shape_text(a: Array) -> str:
    return "[" + ", ".join(str(n) for n in a.shape) + "]"


class ArgumentChecks:
    """The rules of one call, each raising ArgumentError with parameter, rule, expected and actual value."""

    def __init__(self, operation: str):
        self.operation = operation

    def fail(self, check: int, name: str, message: str) -> None:
        raise ArgumentError(self.operation, check, name, message)

    # -- class 1: a required tensor is null, or a tensor an option needs is missing
    def present(self, **arguments: object) -> None:
        for name, value in arguments.items():
            if value is None:
                self.fail(1, name, f"{name} is required (got None)")

    def needed(self, when: bool, name: str, value: object, because: str) -> None:
        if when and value is None:
            self.fail(1, name, f"{name} is required when {because} (got None)")

    # -- class 2: every tensor is int32 or int64
    def dtypes(self, **tensors: Optional[Array]) -> None:
        for name, a in tensors.items():
            if a is not None and a.dtype not in INDEX_DTYPES:
                self.fail(2, name, f"{name} must be int32 or int64 (got {a.dtype})")

    # -- class 3: shapes
    def shape(self, ok: bool, name: str, rule: str, actual: Array) -> None:
        if not ok:
            self.fail(3, name, f"{name} must be {rule} (got {shape_text(actual)})")

    def vector(self, name: str, a: Optional[Array], rule: str, at_least: int = 0,
               exactly: Optional[int] = None) -> None:
        """A 1-D tensor of ``exactly`` elements, or of at least ``at_least``; None passes (class 1 ruled)."""
        if a is None:
            return
        ok = a.ndim == 1 and (a.shape[0] == exactly if exactly is not None else a.shape[0] >= at_least)
        self.shape(ok, name, rule, a)

    def matrix(self, name: str, a: Optional[Array], rule: str, min_rows: int = 0, min_cols: int = 0) -> None:
        if a is None:
            return
        self.shape(a.ndim == 2 and a.shape[0] >= min_rows and a.shape[1] >= min_cols, name, rule, a)

    def state_vector(self, name: str, a: Optional[Array], allow_column: bool = False) -> None:
        """A state tensor indexed by r: [Rmax], or [Rmax, 1] where vLLM keeps a column."""
        if a is None:
            return
        ok = a.ndim == 1 or (allow_column and a.ndim == 2 and a.shape[1] == 1)
        self.shape(ok, name, "[Rmax] or [Rmax, 1]" if allow_column else "[Rmax]", a)

    def slot_mapping(self, a: Array, groups: int, tokens: int, bare_table: bool) -> None:
        """10.4: [G, M]; [M] also when G = 1; a bare table (not a sequence) takes [M] or [1, M]."""
        ok = (a.ndim == 2 and a.shape == (groups, tokens)) or (a.ndim == 1 and groups == 1 and a.shape[0] == tokens)
        rule = f"[{tokens}] or [1, {tokens}]" if bare_table else f"[{groups}, {tokens}]" + (
            f" or [{tokens}]" if groups == 1 else "")
        self.shape(ok, "slot_mapping", f"{rule} (G = {groups} tables, M = {tokens})", a)

    # -- class 4: scalars and options
    def scalar(self, ok: bool, name: str, rule: str, actual: object) -> None:
        if not ok:
            self.fail(4, name, f"{name} must be {rule} (got {actual!r})")

    def integer(self, name: str, value: object, low: Optional[int] = None, high: Optional[int] = None) -> None:
        """An int (a bool is refused) in [low, high]."""
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and (low is None or value >= low) and (high is None or value <= high)
        bounds = f"an int in [{low}, {high}]" if high is not None else f"an int >= {low}" if low is not None \
            else "an int"
        self.scalar(ok, name, bounds, value)

    def option(self, name: str, value: object, choices: Sequence[str]) -> None:
        self.scalar(value in choices, name, "one of " + ", ".join(repr(c) for c in choices), value)

    # -- class 5: memory
    def memory(self, outputs: dict[str, Optional[Array]], inputs: dict[str, Optional[Array]],
               in_place: Iterable[tuple[str, str]] = ()) -> None:
        """Outputs are contiguous and overlap nothing else, except the in-place pairs (output, input),
        which must then be the very same view."""
        pairs = {frozenset(p) for p in in_place}
        for name, a in outputs.items():
            if a is not None and not a.is_contiguous():
                self.fail(5, name, f"{name} must be contiguous (got strides {a.strides} for shape {shape_text(a)})")
        everything = [(n, a) for n, a in list(outputs.items()) + list(inputs.items()) if a is not None]
        for i, (name, a) in enumerate(everything):
            for other, b in everything[i + 1:]:
                if name not in outputs and other not in outputs:
                    continue  # inputs may share memory with each other
                if frozenset((name, other)) in pairs and a.same_view(b):
                    continue
                if a.overlaps(b):
                    self.fail(5, name, f"{name} overlaps {other}"
                              + (" (an in-place pair must be the same view)" if frozenset((name, other)) in pairs
                                 else ""))
