"""Case files: advstep's own JSON format (case.schema.json) and CANN's ST case files.

A case file describes cases by attributes and, per tensor, values or a value range; ``generate``
draws one seeded instance. CANN's ST files (ops-nn's ``atk_aclnnAdvanceStep.json`` and
``atk_aclnnAdvanceStepV2.json``: a list of cases whose ``inputs`` give each tensor's ``name``,
``dtype``, ``shape`` and ``range_values``, and each attribute's value) are read as they are.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Optional

import numpy as np

from .case import (ADVANCE_STEP, ALL_INPUTS, FILE_TENSORS, FLASHINFER, METADATA, OPTIONAL_INPUTS, REQUIRED_INPUTS, Case,
                   cann_refusal, flashinfer_refusal)
from .errors import UsageError
from .json_files import integer, is_integer, read_json
from .limits import element_count
from .names import plain_name
from .prepare_case import PrepareSpec, from_entry
from .prepare_ops import PREPARE_OPS

#: Default value ranges (both ends included) of tensors a case file leaves out.
TOKEN_RANGE = (0, 31999)
POSITION_RANGE = (0, 1000)
BLOCK_ID_RANGE = (0, 4095)
#: What the metadata tensors hold before a FlashInfer step (rows and pages it leaves are kept).
METADATA_RANGE = (0, 99)
INT32_RANGE = (-2**31, 2**31 - 1)


@dataclass
class TensorSpec:
    """How one tensor is made: fixed ``values``, or ``shape`` drawn from ``low..high``."""

    shape: Optional[tuple[int, ...]] = None
    values: Optional[np.ndarray] = None
    low: Optional[int] = None
    high: Optional[int] = None


@dataclass
class CaseSpec:
    """One case of a file, before drawing its values."""

    name: str
    num_seqs: int
    num_queries: int
    block_size: int
    spec_num: int = 0
    table_width: Optional[int] = None
    tensors: dict[str, TensorSpec] = field(default_factory=dict)
    #: The V2 API with its optional inputs left out (CANN ST files may do so).
    v2_without_speculation: bool = False
    #: ADVANCE_STEP or FLASHINFER; for FlashInfer, the metadata dtypes not int64 and C (None: Q * W).
    op: str = ADVANCE_STEP
    dtypes: dict[str, str] = field(default_factory=dict)
    capacity: Optional[int] = None

    @property
    def api(self) -> str:
        """The entry point the drawn case calls (as Case.api)."""
        if self.op == FLASHINFER:
            return FLASHINFER
        v2 = self.spec_num > 0 or self.v2_without_speculation or any(n in self.tensors for n in OPTIONAL_INPUTS)
        return "aclnnAdvanceStepV2" if v2 else "aclnnAdvanceStep"

    def refusal(self) -> Optional[str]:
        """Why CANN (or, for FlashInfer, the native contract) would refuse every draw of this case, or None."""
        if self.op == FLASHINFER:
            return flashinfer_refusal(self.num_seqs, self.num_queries)
        return cann_refusal(self.api, self._speculative(), self.num_seqs, self.num_queries)

    def _speculative(self) -> bool:
        """Whether the drawn case takes the speculative path: S > 0, or both optional inputs given
        with elements."""
        if self.spec_num > 0:
            return True
        given = [self.tensors.get(name) for name in OPTIONAL_INPUTS]
        return all(t is not None and t.shape is not None and 0 not in t.shape for t in given)


def _schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def _validate(data: Any, schema_name: str, path: str) -> None:
    import jsonschema

    # JSON Schema counts 8.0 as an integer; the command does not (a count is written as one).
    strict = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", lambda _, value: is_integer(value))
    validator_class = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=strict)
    error = jsonschema.exceptions.best_match(validator_class(_schema(schema_name)).iter_errors(data))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise UsageError(f"{path}: {where or 'top level'}: {_schema_message(error)}")


def _schema_message(error: Any) -> str:
    """jsonschema's message in one line, without echoing a huge or hostile value in full."""
    if error.validator == "pattern" and isinstance(error.instance, str):
        return f"{error.instance[:40]!r} does not match {error.validator_value!r} (a case name is one plain folder name)"
    if error.validator == "type":
        return f"must be of type {error.validator_value!r} (got {type(error.instance).__name__})"
    if error.validator in ("minimum", "maximum") and is_integer(error.instance) and error.instance.bit_length() > 128:
        return f"an integer of {error.instance.bit_length()} bits is out of range ({error.validator} {error.validator_value})"
    return error.message.splitlines()[0][:200]


_OPERATIONS = (ADVANCE_STEP, FLASHINFER) + PREPARE_OPS


def _check_ops(data: Any, path: str) -> None:
    """An unknown "op" named as such, before the schema (whose fallback case would ask for another
    operation's fields instead)."""
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list):
        return
    for index, entry in enumerate(cases):
        if isinstance(entry, dict) and "op" in entry and not (isinstance(entry["op"], str) and
                                                                entry["op"] in _OPERATIONS):
            raise UsageError(f"{path}: cases[{index}].op: {repr(entry['op'])[:40]} is not an operation "
                             f"(expected one of {', '.join(_OPERATIONS)})")


def load(path: str) -> list[CaseSpec | PrepareSpec]:
    """The cases of the case file at ``path`` (advstep's JSON or a CANN ST file)."""
    data = read_json(path, "case file")
    if isinstance(data, list):
        _validate(data, "atk_case.schema.json", path)
        stem = os.path.splitext(os.path.basename(path))[0]
        specs = [_from_atk(entry, index, stem, path) for index, entry in enumerate(data)]
    else:
        _check_ops(data, path)
        _validate(data, "case.schema.json", path)
        specs = [from_entry(entry, f"{path}: cases[{index}]") if entry.get("op") in PREPARE_OPS
                 else _from_own(entry, f"{path}: cases[{index}]") for index, entry in enumerate(data["cases"])]
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UsageError(f"{path}: case name {duplicates[0]!r} is used twice")
    return specs


def _from_own(entry: dict[str, Any], where: str) -> CaseSpec:
    spec = CaseSpec(plain_name(entry["name"], f"{where}.name"), entry["numSeqs"], entry["numQueries"],
                    entry["blockSize"], entry.get("specNum", 0), entry.get("blockTableWidth"),
                    op=entry.get("op", ADVANCE_STEP), capacity=entry.get("indicesCapacity"))
    _check_op_fields(spec, entry, where)
    for name, tensor in entry.get("tensors", {}).items():
        if tensor.get("dtype") == "int32":
            spec.dtypes[name] = "int32"
        _check_int32(tensor, spec.dtypes.get(name, "int64"), f"{where}.tensors.{name}")
        shape = tuple(tensor["shape"]) if "shape" in tensor else None
        if shape is not None:
            element_count(shape, f"{where}.tensors.{name}.shape")
        if "values" in tensor:
            try:
                values = np.array(tensor["values"], dtype=np.int64)
            except (ValueError, OverflowError):
                raise UsageError(f"{where}.tensors.{name}.values: rows of unequal length") from None
            if shape is not None:
                if element_count(shape, f"{where}.tensors.{name}.shape") != values.size:
                    raise UsageError(f"{where}.tensors.{name}: {values.size} values do not fill shape {list(shape)}")
                values = values.reshape(shape)
            spec.tensors[name] = TensorSpec(values.shape, values)
        else:
            low, high = tensor.get("range", (None, None))
            if low is not None and low > high:
                raise UsageError(f"{where}.tensors.{name}.range: low {low} is above high {high}")
            spec.tensors[name] = TensorSpec(shape, None, low, high)
    return spec


def _check_op_fields(spec: CaseSpec, entry: dict[str, Any], where: str) -> None:
    """The fields that belong to one operator only: speculation to advance_step, the metadata, C and
    int32 to advance_step_flashinfer (which speculates not)."""
    tensors = entry.get("tensors", {})
    wrong = [n for n, t in tensors.items() if t.get("dtype") == "int32" and n not in METADATA]
    if wrong:
        raise UsageError(f"{where}.tensors.{wrong[0]}.dtype: int32 is for the metadata tensors of an {FLASHINFER} "
                         f"case ({', '.join(METADATA)}); {wrong[0]} is int64")
    if spec.op == FLASHINFER:
        extra = [f for f in ("specNum",) if entry.get(f)] + [n for n in OPTIONAL_INPUTS if n in tensors]
        if extra:
            raise UsageError(f"{where}: {extra[0]} is advance_step's speculative path; {FLASHINFER} has none")
        return
    extra = (["indicesCapacity"] if "indicesCapacity" in entry else []) + [n for n in METADATA if n in tensors]
    if extra:
        raise UsageError(f"{where}: {extra[0]} belongs to an {FLASHINFER} case (\"op\": \"{FLASHINFER}\")")


def _check_int32(tensor: dict[str, Any], dtype: str, where: str) -> None:
    """An int32 tensor's values or range must fit int32."""
    if dtype != "int32":
        return
    low, high = INT32_RANGE
    given = tensor.get("range") or np.array(tensor.get("values", []), dtype=object).reshape(-1).tolist()
    outside = [v for v in given if isinstance(v, int) and not low <= v <= high]
    if outside:
        raise UsageError(f"{where}: {outside[0]} does not fit its dtype int32 ([{low}, {high}])")


def _cann_name(name: str) -> str:
    """inputTokensRef (CANN 8.1's names) and specTokenOptional (the header's) -> inputTokens, specToken."""
    for suffix in ("Ref", "Optional"):
        if name.endswith(suffix) and name[: -len(suffix)] in ALL_INPUTS:
            return name[: -len(suffix)]
    return name


def _from_atk(entry: dict[str, Any], index: int, stem: str, path: str) -> CaseSpec:
    case_id = entry.get("id", index)
    where = f"{path}: case {case_id if abs(case_id) < 10**12 else index}"
    attributes: dict[str, int] = {}
    tensors: dict[str, TensorSpec] = {}
    for item in entry["inputs"]:
        name = _cann_name(item["name"])
        if item["type"] == "attr":
            value = item.get("range_values")
            if isinstance(value, list) and len(value) == 2 and value[0] == value[1]:
                value = value[0]
            attributes[name] = integer(value, where, field=f"attribute {item['name']}")
            continue
        if name not in ALL_INPUTS:
            raise UsageError(f"{where}: unknown tensor {item['name']!r} (expected one of {', '.join(ALL_INPUTS)})")
        if item.get("shape") is None:  # an optional input left out
            continue
        element_count(item["shape"], f"{where}: tensor {item['name']}")
        if item.get("dtype") not in ("int64", None):
            raise UsageError(f"{where}: tensor {item['name']} has dtype {item.get('dtype')} (expected int64)")
        bounds = item.get("range_values")
        if bounds is None:
            low, high = None, None
        elif isinstance(bounds, list) and len(bounds) == 2 and all(is_integer(v) for v in bounds):
            low, high = (integer(v, where, field=f"tensor {item['name']}: range_values[{k}] (int64)")
                         for k, v in enumerate(bounds))
        else:
            raise UsageError(f"{where}: tensor {item['name']}: range_values must be [low, high] of integers "
                             f"(got {str(bounds)[:60]})")
        if low is not None and low > high:
            raise UsageError(f"{where}: tensor {item['name']}: range_values low {low} is above high {high}")
        tensors[name] = TensorSpec(tuple(item["shape"]), None, low, high)
    for name in ("numSeqs", "numQueries", "blockSize"):
        if name not in attributes:
            raise UsageError(f"{where}: attribute {name} is missing")
    for name in REQUIRED_INPUTS:  # CANN's harness would not call the operator without them
        if name not in tensors:
            given = [item for item in entry["inputs"] if _cann_name(item["name"]) == name]
            state = "has shape null" if given else "is missing"
            raise UsageError(f"{where}: required input {given[0]['name'] if given else name} {state}")
    spec_shape = tensors["specToken"].shape if "specToken" in tensors else None
    spec_num = int(spec_shape[1]) if spec_shape is not None and len(spec_shape) == 2 else 0
    api = "aclnnAdvanceStepV2" if "V2" in str(entry.get("aclnn_name", "")) or "V2" in stem else "aclnnAdvanceStep"
    name = plain_name(f"{api}_{case_id:04d}", f"{where}: id")
    return CaseSpec(name, attributes["numSeqs"], attributes["numQueries"], attributes["blockSize"], spec_num,
                    None, tensors, v2_without_speculation=(api.endswith("V2") and spec_num == 0))


def _default_shapes(spec: CaseSpec, width: int) -> dict[str, tuple[int, ...]]:
    n, q, s = spec.num_seqs, spec.num_queries, spec.spec_num
    if spec.op == FLASHINFER:
        capacity = q * width if spec.capacity is None else spec.capacity
        return {"inputTokens": (n,), "sampledTokenIds": (q, 1), "inputPositions": (n,), "seqLens": (n,),
                "slotMapping": (n,), "blockTables": (n, width), "pagedKvIndices": (capacity,),
                "pagedKvIndptr": (n + 1,), "pagedKvLastPageLen": (n,), "blockTableBound": (n,)}
    if s > 0:
        e = s + 1
        return {"inputTokens": (n * e,), "sampledTokenIds": (n, e), "inputPositions": (n * e,), "seqLens": (n * e,),
                "slotMapping": (n * e,), "blockTables": (n, width), "specToken": (n, s), "acceptedNum": (n,)}
    return {"inputTokens": (n,), "sampledTokenIds": (q, 1), "inputPositions": (n,), "seqLens": (n,),
            "slotMapping": (n,), "blockTables": (n, width)}


def _default_ranges(spec: CaseSpec) -> dict[str, tuple[int, int]]:
    s = spec.spec_num
    return {"inputTokens": TOKEN_RANGE, "sampledTokenIds": TOKEN_RANGE, "inputPositions": POSITION_RANGE,
            "seqLens": (1, POSITION_RANGE[1]), "slotMapping": (0, 0), "blockTables": BLOCK_ID_RANGE,
            "specToken": TOKEN_RANGE, "acceptedNum": (0, s), **{name: METADATA_RANGE for name in METADATA}}


def _highest_position(spec: CaseSpec, ranges: dict[str, tuple[int, int]]) -> int:
    """The largest position a drawn case can reach, which the default table width must cover."""
    def high(name: str) -> int:
        tensor = spec.tensors.get(name)
        if tensor is not None and tensor.values is not None:
            return int(tensor.values.max(initial=0))
        if tensor is not None and tensor.high is not None:
            return tensor.high
        return ranges[name][1]

    if spec.spec_num > 0:
        return high("inputPositions") + max(0, high("acceptedNum")) + 1
    return high("seqLens")


def _plan(spec: CaseSpec) -> tuple[list[str], dict[str, tuple[int, ...]], dict[str, tuple[int, int]]]:
    """The tensors ``spec`` makes, the shape of each, and the default ranges."""
    ranges = _default_ranges(spec)
    width = spec.table_width or min(1 << 20, max(1, _highest_position(spec, ranges) // spec.block_size + 1))
    shapes = _default_shapes(spec, width)
    names = [n for n in FILE_TENSORS if n in shapes or n in spec.tensors]
    for tensor_name in names:
        tensor = spec.tensors.get(tensor_name, TensorSpec())
        if tensor.values is not None:
            shapes[tensor_name] = tuple(tensor.values.shape)
        elif tensor.shape is not None:
            shapes[tensor_name] = tuple(tensor.shape)
        elif tensor_name not in shapes:
            raise UsageError(f"case {spec.name}: tensor {tensor_name} needs a shape")
    return names, shapes, ranges


def elements(spec: CaseSpec | PrepareSpec) -> dict[str, int]:
    """The element count of each tensor a drawn instance of ``spec`` has (without drawing it); a
    UsageError for a shape too large to count in int64 bytes."""
    if isinstance(spec, PrepareSpec):
        return spec.elements()
    names, shapes, _ = _plan(spec)
    return {name: element_count(list(shapes[name]), f"case {spec.name}: tensor {name}") for name in names}


def generate(spec: CaseSpec | PrepareSpec, seed: int, index: int, copy: int, name: str) -> Case:
    """One instance of ``spec``, drawn from the generator seeded by (seed, index, copy)."""
    if isinstance(spec, PrepareSpec):
        return spec.generate(seed, index, copy, name)
    rng = np.random.default_rng([seed, index, copy])
    names, shapes, ranges = _plan(spec)
    tensors: dict[str, np.ndarray] = {}
    for tensor_name in names:
        tensor = spec.tensors.get(tensor_name, TensorSpec())
        if tensor.values is not None:
            tensors[tensor_name] = np.array(tensor.values, dtype=np.int64)
            continue
        low, high = (tensor.low, tensor.high) if tensor.low is not None else ranges[tensor_name]
        tensors[tensor_name] = rng.integers(low, high, size=shapes[tensor_name], dtype=np.int64, endpoint=True)
    if spec.v2_without_speculation:
        for optional in ("specToken", "acceptedNum"):
            tensors.setdefault(optional, np.zeros((0,), dtype=np.int64))
    return Case(name, spec.num_seqs, spec.num_queries, spec.block_size, tensors, spec.op, dict(spec.dtypes))
