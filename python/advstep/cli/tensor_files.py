"""Golden folders: one folder per case with inputs/ and expected/ (or outputs/) and a manifest.

Each tensor is written under its CANN parameter name as ``NAME.npy`` (numpy) and ``NAME.bin``, raw
little-endian int64 in row-major order, what CANN's test harnesses read (or as one of them:
``--format``). Everything read back from a folder is checked where it is read: case names are plain
folder names (names.py), shapes and attributes integers, tensor files weighed before they are
loaded (tensor_io.py). ``manifest.json``
gives the attributes, each tensor's shape and dtype, the semantics and the seed; a folder holding
several cases has a ``manifest.json`` listing them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from . import tensor_io
from .case import (ADVANCE_STEP, ALL_INPUTS, FLASHINFER, METADATA, METADATA_DTYPES, REQUIRED_INPUTS,
                   Case)
from .errors import UsageError
from .json_files import integer, read_json
from .limits import element_count
from .names import plain_name
from .prepare_case import PrepareCase, settings_of
from .prepare_ops import DTYPES as PREPARE_DTYPES
from .prepare_ops import MAX_GROUPS, OPERATIONS, PREPARE_OPS, table_name
from .semantics import Semantics

CASE_FORMAT = "advstep-case/1"
SET_FORMAT = "advstep-case-set/1"
#: Where a folder of results may keep the outputs: a golden's expected/, run --out's
#: outputs/, or the case folder itself (dumps named like the tensors).
RESULT_FOLDERS = ("expected", "outputs", "")
#: The sub-folders of a case folder the command writes (inputs, and expected or outputs).
WRITTEN_FOLDERS = ("inputs", "expected", "outputs")
BOTH = tensor_io.FORMATS


def _write_json(path: str, data: dict[str, Any]) -> None:
    with tensor_io.create(path) as file:
        try:
            file.write((json.dumps(data, indent=1) + "\n").encode("utf-8"))
        except OSError as error:
            raise OSError(error.errno, error.strerror or str(error), path) from None


def write_case(folder: str, case: Case, results: Optional[dict[str, np.ndarray]], semantics: Semantics,
               extra: dict[str, Any], results_name: str = "expected", formats: tuple[str, ...] = BOTH) -> None:
    """Writes ``case``'s inputs and (unless None) its four results, as ``formats`` (npy, bin), and the
    case's manifest, into the new (or emptied) folder ``folder``."""
    tensor_io.make_folder(folder)
    manifest: dict[str, Any] = {
        "format": CASE_FORMAT,
        "case": plain_name(case.name, f"{folder}: case"),
        "api": case.api,
        "attributes": case.attributes(),
        **semantics.to_json(),
        **extra,
        "inputs": {name: {**tensor_io.write(os.path.join(folder, "inputs"), name, array, formats),
                          "dtype": case.dtype(name)}
                   for name, array in case.tensors.items()},
    }
    if results is not None:
        manifest[results_name] = {name: tensor_io.write(os.path.join(folder, results_name), name, results[name],
                                                        formats)
                                  for name in case.outputs}
    _write_json(os.path.join(folder, "manifest.json"), manifest)


def write_set(folder: str, names: list[str], extra: dict[str, Any]) -> None:
    """The manifest of a folder of case folders."""
    _write_json(os.path.join(folder, "manifest.json"), {"format": SET_FORMAT, **extra, "cases": names})


@dataclass
class StoredCase:
    """A case read back from its folder."""

    folder: str
    case: Case
    semantics: Semantics
    manifest: dict[str, Any]

    def results_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shapes of the outputs (those of the inputs of the same name)."""
        return {name: tuple(self.manifest["inputs"][name]["shape"]) for name in self.case.outputs}


def require_folder(folder: str) -> None:
    """Refuses, in one line, a path that is not a folder: missing, or a file (a case file given
    where a golden folder is read)."""
    if not os.path.isdir(folder):
        raise UsageError(f"{folder}: {'not a folder' if os.path.lexists(folder) else 'no such folder'}")


def _read_manifest(folder: str) -> dict[str, Any]:
    path = os.path.join(folder, "manifest.json")
    require_folder(folder)
    if not os.path.exists(path):
        raise UsageError(f"{folder}: not a golden folder (no manifest.json)")
    data = read_json(path, "manifest")
    if not isinstance(data, dict) or data.get("format") not in (CASE_FORMAT, SET_FORMAT):
        raise UsageError(f"{path}: not an advstep manifest (expected format {CASE_FORMAT} or {SET_FORMAT})")
    return data


def _extensions(formats: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("." + f for f in tensor_io.FORMATS if f in formats)


def tensor_files_of(path_stem: str, formats: tuple[str, ...] = BOTH) -> list[str]:
    """The files holding the tensor ``path_stem``: ``.npy`` and/or ``.bin`` (of ``formats``), those
    that exist."""
    return [path_stem + ext for ext in _extensions(formats) if os.path.isfile(path_stem + ext)]


def read_tensor_copies(path_stem: str, shape: tuple[int, ...],
                       formats: tuple[str, ...] = BOTH) -> list[tuple[str, np.ndarray]]:
    """Every copy of one tensor (``.npy`` and ``.bin`` when both exist and ``formats`` names both),
    each with its file's path: a folder of results may hold both, and neither may be ignored."""
    paths = tensor_files_of(path_stem, formats)
    if not paths:
        looked = " nor ".join(_extensions(formats)) if len(formats) > 1 else f"no {_extensions(formats)[0]}"
        raise UsageError(f"{path_stem}: missing ({'neither ' if len(formats) > 1 else ''}{looked})")
    return [(path, tensor_io.read(path, shape)) for path in paths]


def read_tensor(path_stem: str, shape: tuple[int, ...], formats: tuple[str, ...] = BOTH) -> np.ndarray:
    """``path_stem``.npy or ``path_stem``.bin; when both are read they must hold the same values."""
    copies = read_tensor_copies(path_stem, shape, formats)
    (first_path, first), rest = copies[0], copies[1:]
    for path, array in rest:
        if not np.array_equal(first, array):
            raise UsageError(f"{path}: differs from {os.path.basename(first_path)} beside it (which one is meant? "
                             f"--format {path.rsplit('.', 1)[-1]} or --format {first_path.rsplit('.', 1)[-1]} "
                             f"picks one)")
    return first


def _shape(entry: Any, where: str) -> tuple[int, ...]:
    shape = entry.get("shape") if isinstance(entry, dict) else None
    element_count(shape, where)
    return tuple(shape)


def _dtype(entry: dict[str, Any], op: str, name: str, where: str) -> str:
    """The dtype a manifest gives a tensor: int64, or int32 for a FlashInfer case's metadata."""
    dtype = entry.get("dtype", "int64")
    allowed = METADATA_DTYPES if op == FLASHINFER and name in METADATA else ("int64",)
    if dtype not in allowed:
        raise UsageError(f"{where}: dtype must be {' or '.join(allowed)} (got {str(dtype)[:40]!r})")
    return dtype


def fits_dtype(values: np.ndarray, dtype: str, where: str) -> None:
    """A UsageError naming ``where`` when a value of ``values`` does not fit ``dtype``."""
    if dtype == "int32" and values.size and (int(values.min()) < -2**31 or int(values.max()) > 2**31 - 1):
        bad = int(values.reshape(-1)[np.flatnonzero((values < -2**31) | (values > 2**31 - 1))[0]])
        raise UsageError(f"{where}: value {bad} does not fit its dtype int32")


def _read_case(folder: str, manifest: dict[str, Any], listed_as: Optional[str],
               formats: tuple[str, ...]) -> StoredCase:
    where = os.path.join(folder, "manifest.json")
    name = plain_name(manifest.get("case"), f"{where}: case")
    if listed_as is not None and name != listed_as:
        raise UsageError(f"{where}: case {name!r} is listed as {listed_as!r} in its folder's manifest")
    attributes, inputs = manifest.get("attributes"), manifest.get("inputs")
    if not isinstance(attributes, dict) or not isinstance(inputs, dict):
        raise UsageError(f"{where}: malformed manifest (attributes and inputs must be objects)")
    if manifest.get("api") in PREPARE_OPS:
        return _read_prepare_case(folder, manifest, name, formats)
    values = {key: integer(attributes.get(key), where, field=f"attributes.{key}")
              for key in ("numSeqs", "numQueries", "blockSize")}
    op = FLASHINFER if manifest.get("api") == FLASHINFER else ADVANCE_STEP
    names = REQUIRED_INPUTS + METADATA if op == FLASHINFER else ALL_INPUTS
    missing = [n for n in REQUIRED_INPUTS + (METADATA if op == FLASHINFER else ()) if n not in inputs]
    if missing:
        raise UsageError(f"{where}: input {missing[0]} is not listed")
    shapes = {n: _shape(inputs[n], f"{where}: inputs.{n}") for n in names if n in inputs}
    dtypes = {n: _dtype(inputs[n], op, n, f"{where}: inputs.{n}") for n in shapes}
    semantics = Semantics.from_json(manifest, where)
    tensors = {n: read_tensor(os.path.join(folder, "inputs", n), shape, formats) for n, shape in shapes.items()}
    for n, dtype in dtypes.items():
        fits_dtype(tensors[n], dtype, f"{os.path.join(folder, 'inputs', n)}")
    case = Case(name, values["numSeqs"], values["numQueries"], values["blockSize"], tensors, op,
                {n: d for n, d in dtypes.items() if d != "int64"})
    refusal = case.refusal()
    if refusal is not None:
        raise UsageError(f"{where}: {refusal}; no golden holds such a case")
    return StoredCase(folder, case, semantics, manifest)


def _read_prepare_case(folder: str, manifest: dict[str, Any], name: str, formats: tuple[str, ...]) -> StoredCase:
    """A prepare-step case folder: its tensors (the operation's, block table g as block_tables_g, int32 or
    int64 each) and its settings (the case file's scalars and options, checked as they were there)."""
    where = os.path.join(folder, "manifest.json")
    op = OPERATIONS[manifest["api"]]
    inputs = manifest["inputs"]
    groups = sum(1 for g in range(MAX_GROUPS) if table_name(g) in inputs) if op.tables else 0
    allowed = op.tensors + tuple(table_name(g) for g in range(groups))
    unknown = [n for n in inputs if n not in allowed]
    if unknown:
        raise UsageError(f"{where}: inputs.{str(unknown[0])[:40]} is not a tensor of {op.name}"
                         + (" (block tables are block_tables_0 .. block_tables_G-1)" if op.tables else ""))
    missing = [n for n in op.required + (table_name(0),) * op.tables if n not in inputs]
    if missing:
        raise UsageError(f"{where}: input {missing[0]} is not listed")
    shapes = {n: _shape(inputs[n], f"{where}: inputs.{n}") for n in inputs}
    dtypes = {}
    for n in inputs:
        dtype = inputs[n].get("dtype", "int64")
        if dtype not in PREPARE_DTYPES:
            raise UsageError(f"{where}: inputs.{n}: dtype must be int32 or int64 (got {str(dtype)[:40]!r})")
        dtypes[n] = dtype
    settings = settings_of(op, manifest["attributes"], groups, f"{where}: attributes")
    stray = [k for k in manifest["attributes"] if k not in settings]
    if stray:
        raise UsageError(f"{where}: attributes.{str(stray[0])[:40]} is not a setting of {op.name}")
    semantics = Semantics.from_json(manifest, where)
    tensors = {n: read_tensor(os.path.join(folder, "inputs", n), shape, formats) for n, shape in shapes.items()}
    for n, dtype in dtypes.items():
        fits_dtype(tensors[n], dtype, os.path.join(folder, "inputs", n))
    case = PrepareCase(name, 0, 0, 0, tensors, op.name, {n: d for n, d in dtypes.items() if d != "int64"}, settings)
    return StoredCase(folder, case, semantics, manifest)


def read_cases(folder: str, formats: tuple[str, ...] = BOTH) -> list[StoredCase]:
    """Every case under ``folder``: a single case folder, or a folder of them with a set manifest
    (whose ``cases`` are plain folder names, each listed once)."""
    manifest = _read_manifest(folder)
    if manifest["format"] == CASE_FORMAT:
        return [_read_case(folder, manifest, None, formats)]
    where = os.path.join(folder, "manifest.json")
    listed = manifest.get("cases")
    if not isinstance(listed, list):
        raise UsageError(f"{where}: cases must be a list of case folder names (got {type(listed).__name__})")
    names = [plain_name(name, f"{where}: cases[{k}]") for k, name in enumerate(listed)]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"{where}: case {twice[0]!r} is listed twice")
    cases = []
    for name in names:
        sub = os.path.join(folder, name)
        sub_manifest = _read_manifest(sub)
        if sub_manifest["format"] != CASE_FORMAT:
            raise UsageError(f"{sub}: not a case folder")
        cases.append(_read_case(sub, sub_manifest, name, formats))
    return cases


def locate_results(root: str, stored: StoredCase, single: bool, formats: tuple[str, ...] = BOTH) -> str:
    """The folder under ``root`` holding the results of ``stored``: ROOT/CASE/{expected,outputs,.}, or
    ROOT/{expected,outputs,.} itself when ``root`` holds a single case. More than one such folder is
    an error naming them: which one is meant cannot be guessed."""
    bases = [os.path.join(root, stored.case.name)] + ([root] if single else [])
    found = []
    for base in bases:
        for sub in RESULT_FOLDERS:
            folder = os.path.join(base, sub) if sub else base
            if tensor_files_of(os.path.join(folder, stored.case.outputs[0]), formats) and folder not in found:
                found.append(folder)
    if len(found) > 1:
        raise UsageError(f"{root}: results for case {stored.case.name} in more than one folder "
                         f"({', '.join(found)}): keep one, or name that folder")
    if found:
        return found[0]
    raise UsageError(f"{root}: no results for case {stored.case.name} (looked for {stored.case.outputs[0]}.npy or .bin "
                     f"under {stored.case.name}/expected, {stored.case.name}/outputs, {stored.case.name}/)")


def read_results(folder: str, shapes: dict[str, tuple[int, ...]],
                 formats: tuple[str, ...] = BOTH) -> dict[str, np.ndarray]:
    """The four outputs in ``folder``, each of the shape given (``.npy`` and ``.bin`` must agree)."""
    require_folder(folder)
    return {name: read_tensor(os.path.join(folder, name), shape, formats) for name, shape in shapes.items()}


def read_result_copies(folder: str, shapes: dict[str, tuple[int, ...]],
                       formats: tuple[str, ...] = BOTH) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Every copy of each of the four outputs in ``folder`` (``.npy`` and ``.bin``), with its path."""
    require_folder(folder)
    return {name: read_tensor_copies(os.path.join(folder, name), shape, formats) for name, shape in shapes.items()}
