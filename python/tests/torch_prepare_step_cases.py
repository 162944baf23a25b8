"""The prepare-step oracle's cases as torch tensors, and one comparison of a torch call against the oracle.

A case is the keywords of one operation with prepare_step_arrays.Array values (prepare_step_oracle.py's
tensors). ``to_torch`` makes torch tensors that share storage exactly as the Arrays do (a column view stays a
strided view of its table), so that the oracle and the op see the same aliasing. ``compare`` runs both and
returns what each did: ("ok", every tensor's values) or ("fault", class, b, r, t) with every tensor unchanged.
"""

from __future__ import annotations

from typing import Any, Callable

import advstep
from conftest import import_torch
from prepare_step_arrays import Array
from prepare_step_checks import ArgumentError as OracleArgumentError
from prepare_step_oracle import Fault
from prepare_step_sweep import parse_fault

torch = import_torch()

DTYPES = {"int32": torch.int32, "int64": torch.int64}


def to_torch(case: dict[str, Any], device: str = "cpu") -> dict[str, Any]:
    """The case with every Array (and list of Arrays) a torch view of a tensor per shared storage list."""
    bases: dict[tuple[int, str], Any] = {}

    def convert(value: Any) -> Any:
        if isinstance(value, list) and value and isinstance(value[0], Array):
            return [convert(item) for item in value]
        if not isinstance(value, Array):
            return value
        key = (id(value.storage), value.dtype)
        if key not in bases:
            bases[key] = torch.tensor(value.storage, dtype=DTYPES[value.dtype], device=device)
        return torch.as_strided(bases[key], value.shape, value.strides, value.offset)

    return {name: convert(value) for name, value in case.items()}


def tensors_of(case: dict[str, Any]) -> dict[str, Any]:
    """name -> tensor (block tables as block_tables[g]) for every tensor of a torch case."""
    found = {}
    for name, value in case.items():
        if isinstance(value, list):
            found.update({f"{name}[{g}]": t for g, t in enumerate(value) if isinstance(t, torch.Tensor)})
        elif isinstance(value, torch.Tensor):
            found[name] = value
    return found


def arrays_of(case: dict[str, Any]) -> dict[str, Array]:
    """name -> Array, with the names tensors_of gives."""
    found = {}
    for name, value in case.items():
        if isinstance(value, list):
            found.update({f"{name}[{g}]": a for g, a in enumerate(value) if isinstance(a, Array)})
        elif isinstance(value, Array):
            found[name] = value
    return found


def values(tensors: dict[str, Any]) -> dict[str, list[int]]:
    return {name: [int(x) for x in t.reshape(-1).tolist()] for name, t in tensors.items()}


def op_keywords(case: dict[str, Any]) -> dict[str, Any]:
    """A torch case as the op takes it: block_tables a list (Tensor[]), block_size as given (int[1])."""
    keywords = dict(case)
    if "block_tables" in keywords and not isinstance(keywords["block_tables"], list):
        keywords["block_tables"] = [keywords["block_tables"]]
    return keywords




def compare(oracle: Callable[..., None], run: Callable[[dict[str, Any]], None], case: dict[str, Any]) -> tuple:
    """(expected, got): the oracle on ``case`` and ``run`` on its torch copy; raises OracleArgumentError when the
    case breaks an argument rule. A fault must leave every torch tensor as it was."""
    tensors = to_torch(case)
    before = values(tensors_of(tensors))
    try:
        oracle(**case)
        expected: tuple = ("ok", {name: a.flat() for name, a in arrays_of(case).items()})
    except Fault as fault:
        expected = ("fault", fault.fault, fault.b, fault.r, fault.t)
    try:
        run(tensors)
        got: tuple = ("ok", values(tensors_of(tensors)))
    except advstep.DataFaultError as error:
        got = ("fault",) + parse_fault(str(error))
        assert values(tensors_of(tensors)) == before, "a tensor was written despite the fault"
    return expected, got


__all__ = ["OracleArgumentError", "arrays_of", "compare", "op_keywords", "parse_fault", "tensors_of", "to_torch", "values"]
