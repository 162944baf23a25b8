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

from .case import ALL_INPUTS, REQUIRED_INPUTS, Case
from .errors import UsageError

#: Default value ranges (both ends included) of tensors a case file leaves out.
TOKEN_RANGE = (0, 31999)
POSITION_RANGE = (0, 1000)
BLOCK_ID_RANGE = (0, 4095)


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


def _schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def _validate(data: Any, schema_name: str, path: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema(schema_name))
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise UsageError(f"{path}: {where or 'top level'}: {error.message.splitlines()[0][:200]}")


def load(path: str) -> list[CaseSpec]:
    """The cases of the case file at ``path`` (advstep's JSON or a CANN ST file)."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as error:
        raise UsageError(f"{path}: cannot read the case file ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path}: not a JSON case file ({str(error).splitlines()[0]})") from None
    if isinstance(data, list):
        _validate(data, "atk_case.schema.json", path)
        stem = os.path.splitext(os.path.basename(path))[0]
        return [_from_atk(entry, index, stem, path) for index, entry in enumerate(data)]
    _validate(data, "case.schema.json", path)
    specs = [_from_own(entry, f"{path}: cases[{index}]") for index, entry in enumerate(data["cases"])]
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UsageError(f"{path}: case name {duplicates[0]!r} is used twice")
    return specs


def _from_own(entry: dict[str, Any], where: str) -> CaseSpec:
    spec = CaseSpec(entry["name"], entry["numSeqs"], entry["numQueries"], entry["blockSize"],
                    entry.get("specNum", 0), entry.get("blockTableWidth"))
    for name, tensor in entry.get("tensors", {}).items():
        shape = tuple(tensor["shape"]) if "shape" in tensor else None
        if "values" in tensor:
            try:
                values = np.array(tensor["values"], dtype=np.int64)
            except ValueError:
                raise UsageError(f"{where}.tensors.{name}.values: rows of unequal length") from None
            if shape is not None:
                if int(np.prod(shape)) != values.size:
                    raise UsageError(f"{where}.tensors.{name}: {values.size} values do not fill shape {list(shape)}")
                values = values.reshape(shape)
            spec.tensors[name] = TensorSpec(values.shape, values)
        else:
            low, high = tensor.get("range", (None, None))
            if low is not None and low > high:
                raise UsageError(f"{where}.tensors.{name}.range: low {low} is above high {high}")
            spec.tensors[name] = TensorSpec(shape, None, low, high)
    return spec


def _cann_name(name: str) -> str:
    """inputTokensRef (CANN 8.1's names) and specTokenOptional (the header's) -> inputTokens, specToken."""
    for suffix in ("Ref", "Optional"):
        if name.endswith(suffix) and name[: -len(suffix)] in ALL_INPUTS:
            return name[: -len(suffix)]
    return name


def _from_atk(entry: dict[str, Any], index: int, stem: str, path: str) -> CaseSpec:
    where = f"{path}: case {entry.get('id', index)}"
    attributes: dict[str, int] = {}
    tensors: dict[str, TensorSpec] = {}
    for item in entry["inputs"]:
        name = _cann_name(item["name"])
        if item["type"] == "attr":
            value = item.get("range_values")
            if isinstance(value, list) and len(value) == 2 and value[0] == value[1]:
                value = value[0]
            if not isinstance(value, int) or isinstance(value, bool):
                raise UsageError(f"{where}: attribute {item['name']} must be an integer (got {value!r})")
            attributes[name] = value
            continue
        if name not in ALL_INPUTS:
            raise UsageError(f"{where}: unknown tensor {item['name']!r} (expected one of {', '.join(ALL_INPUTS)})")
        if item.get("shape") is None:  # an optional input left out
            continue
        if item.get("dtype") not in ("int64", None):
            raise UsageError(f"{where}: tensor {item['name']} has dtype {item.get('dtype')} (expected int64)")
        bounds = item.get("range_values")
        if bounds is None:
            low, high = None, None
        elif isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(v, int) for v in bounds):
            low, high = bounds
        else:
            raise UsageError(f"{where}: tensor {item['name']}: range_values must be [low, high] (got {bounds!r})")
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
    spec_num = int(tensors["specToken"].shape[1]) if "specToken" in tensors and len(tensors["specToken"].shape or ()) == 2 else 0
    api = "aclnnAdvanceStepV2" if "V2" in str(entry.get("aclnn_name", "")) or "V2" in stem else "aclnnAdvanceStep"
    name = f"{api}_{int(entry.get('id', index)):04d}"
    return CaseSpec(name, attributes["numSeqs"], attributes["numQueries"], attributes["blockSize"], spec_num,
                    None, tensors, v2_without_speculation=(api.endswith("V2") and spec_num == 0))


def _default_shapes(spec: CaseSpec, width: int) -> dict[str, tuple[int, ...]]:
    n, q, s = spec.num_seqs, spec.num_queries, spec.spec_num
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
            "specToken": TOKEN_RANGE, "acceptedNum": (0, s)}


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
    names = [n for n in ALL_INPUTS if n in shapes or n in spec.tensors]
    for tensor_name in names:
        tensor = spec.tensors.get(tensor_name, TensorSpec())
        if tensor.values is not None:
            shapes[tensor_name] = tuple(tensor.values.shape)
        elif tensor.shape is not None:
            shapes[tensor_name] = tuple(tensor.shape)
        elif tensor_name not in shapes:
            raise UsageError(f"case {spec.name}: tensor {tensor_name} needs a shape")
    return names, shapes, ranges


def elements(spec: CaseSpec) -> dict[str, int]:
    """The element count of each tensor a drawn instance of ``spec`` has (without drawing it)."""
    names, shapes, _ = _plan(spec)
    return {name: int(np.prod(shapes[name], dtype=np.int64)) for name in names}


def generate(spec: CaseSpec, seed: int, index: int, copy: int, name: str) -> Case:
    """One instance of ``spec``, drawn from the generator seeded by (seed, index, copy)."""
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
    return Case(name, spec.num_seqs, spec.num_queries, spec.block_size, tensors)
