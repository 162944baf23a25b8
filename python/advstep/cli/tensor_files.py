"""Golden folders: one folder per case with inputs/ and expected/ (or outputs/) and a manifest.

Each tensor is written twice under its CANN parameter name: ``NAME.npy`` (numpy) and ``NAME.bin``,
raw little-endian int64 in row-major order, what CANN's test harnesses read. ``manifest.json``
gives the attributes, each tensor's shape and dtype, the semantics and the seed; a folder holding
several cases has a ``manifest.json`` listing them.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import numpy as np

from .case import ALL_INPUTS, OUTPUTS, Case
from .errors import UsageError
from .semantics import Semantics

CASE_FORMAT = "advstep-case/1"
SET_FORMAT = "advstep-case-set/1"
#: Where a folder of results may keep the four outputs: a golden's expected/, run --out's
#: outputs/, or the case folder itself (dumps named like the tensors).
RESULT_FOLDERS = ("expected", "outputs", "")
TENSOR_EXTENSIONS = (".npy", ".bin")


@contextmanager
def _writing(path: str) -> Iterator[None]:
    """An OSError while writing ``path`` names it (numpy's and a full disk's errors may not)."""
    try:
        yield
    except OSError as error:
        if error.filename:
            raise
        raise OSError(error.errno, error.strerror or str(error), path) from None


def _write_tensor(folder: str, name: str, array: np.ndarray) -> dict[str, Any]:
    os.makedirs(folder, exist_ok=True)
    data = np.ascontiguousarray(array, dtype="<i8")
    npy, raw = os.path.join(folder, name + ".npy"), os.path.join(folder, name + ".bin")
    with _writing(npy):
        np.save(npy, data, allow_pickle=False)
    with _writing(raw):
        data.tofile(raw)
    return {"shape": list(data.shape), "dtype": "int64"}


def _write_json(path: str, data: dict[str, Any]) -> None:
    with _writing(path), open(path, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=1)
        file.write("\n")


def write_case(folder: str, case: Case, results: Optional[dict[str, np.ndarray]], semantics: Semantics,
               extra: dict[str, Any], results_name: str = "expected") -> None:
    """Writes ``case``'s inputs and (unless None) its four results, and the case's manifest."""
    manifest: dict[str, Any] = {
        "format": CASE_FORMAT,
        "case": case.name,
        "api": case.api,
        "attributes": case.attributes(),
        **semantics.to_json(),
        **extra,
        "inputs": {name: _write_tensor(os.path.join(folder, "inputs"), name, array)
                   for name, array in case.tensors.items()},
    }
    if results is not None:
        manifest[results_name] = {name: _write_tensor(os.path.join(folder, results_name), name, results[name])
                                  for name in OUTPUTS}
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
        """The shapes of the four outputs (those of the inputs of the same name)."""
        return {name: tuple(self.manifest["inputs"][name]["shape"]) for name in OUTPUTS}


def _read_manifest(folder: str) -> dict[str, Any]:
    path = os.path.join(folder, "manifest.json")
    if not os.path.isdir(folder):
        raise UsageError(f"{folder}: no such folder")
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        raise UsageError(f"{folder}: not a golden folder (no manifest.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path}: unreadable manifest ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict) or data.get("format") not in (CASE_FORMAT, SET_FORMAT):
        raise UsageError(f"{path}: not an advstep manifest (expected format {CASE_FORMAT} or {SET_FORMAT})")
    return data


def _read_tensor_file(path: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor file: ``.npy``, or ``.bin`` (raw little-endian int64 of ``shape``)."""
    expected = int(np.prod(shape))
    if path.endswith(".npy"):
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise UsageError(f"{path}: not a readable .npy file ({str(error).splitlines()[0]})") from None
        if array.dtype.kind not in "iu":
            raise UsageError(f"{path}: dtype {array.dtype} (expected an integer array)")
        if array.size != expected:
            raise UsageError(f"{path}: {array.size} elements (expected {expected}, shape {list(shape)})")
        return array.astype(np.int64).reshape(shape)
    size = os.path.getsize(path)
    if size != expected * 8:
        raise UsageError(f"{path}: {size} bytes (expected {expected * 8}: {expected} little-endian int64 values)")
    return np.fromfile(path, dtype="<i8").astype(np.int64).reshape(shape)


def tensor_files_of(path_stem: str) -> list[str]:
    """The files holding the tensor ``path_stem``: ``.npy`` and/or ``.bin``, those that exist."""
    return [path_stem + ext for ext in TENSOR_EXTENSIONS if os.path.isfile(path_stem + ext)]


def read_tensor_copies(path_stem: str, shape: tuple[int, ...]) -> list[tuple[str, np.ndarray]]:
    """Every copy of one tensor (``.npy`` and ``.bin`` when both exist), each with its file's path:
    a folder of results may hold both, and neither may be ignored."""
    paths = tensor_files_of(path_stem)
    if not paths:
        raise UsageError(f"{path_stem}: missing (neither .npy nor .bin)")
    return [(path, _read_tensor_file(path, shape)) for path in paths]


def read_tensor(path_stem: str, shape: tuple[int, ...]) -> np.ndarray:
    """``path_stem``.npy or ``path_stem``.bin; when both exist they must hold the same values."""
    copies = read_tensor_copies(path_stem, shape)
    (first_path, first), rest = copies[0], copies[1:]
    for path, array in rest:
        if not np.array_equal(first, array):
            raise UsageError(f"{path}: differs from {os.path.basename(first_path)} beside it (which one is meant?)")
    return first


def _read_case(folder: str, manifest: dict[str, Any]) -> StoredCase:
    where = os.path.join(folder, "manifest.json")
    try:
        attributes = manifest["attributes"]
        inputs = manifest["inputs"]
        tensors = {name: read_tensor(os.path.join(folder, "inputs", name), tuple(inputs[name]["shape"]))
                   for name in ALL_INPUTS if name in inputs}
        case = Case(str(manifest["case"]), int(attributes["numSeqs"]), int(attributes["numQueries"]),
                    int(attributes["blockSize"]), tensors)
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(f"{where}: malformed manifest (missing or bad {error})") from None
    missing = [name for name in ALL_INPUTS[:6] if name not in tensors]
    if missing:
        raise UsageError(f"{where}: input {missing[0]} is not listed")
    return StoredCase(folder, case, Semantics.from_json(manifest), manifest)


def read_cases(folder: str) -> list[StoredCase]:
    """Every case under ``folder``: a single case folder, or a folder of them with a set manifest."""
    manifest = _read_manifest(folder)
    if manifest["format"] == CASE_FORMAT:
        return [_read_case(folder, manifest)]
    cases = []
    for name in manifest.get("cases", []):
        sub = os.path.join(folder, str(name))
        sub_manifest = _read_manifest(sub)
        if sub_manifest["format"] != CASE_FORMAT:
            raise UsageError(f"{sub}: not a case folder")
        cases.append(_read_case(sub, sub_manifest))
    return cases


def locate_results(root: str, stored: StoredCase, single: bool) -> str:
    """The folder under ``root`` holding the results of ``stored``: ROOT/CASE/{expected,outputs,.}, or
    ROOT/{expected,outputs,.} itself when ``root`` holds a single case. More than one such folder is
    an error naming them: which one is meant cannot be guessed."""
    bases = [os.path.join(root, stored.case.name)] + ([root] if single else [])
    found = []
    for base in bases:
        for sub in RESULT_FOLDERS:
            folder = os.path.join(base, sub) if sub else base
            if tensor_files_of(os.path.join(folder, OUTPUTS[0])) and folder not in found:
                found.append(folder)
    if len(found) > 1:
        raise UsageError(f"{root}: results for case {stored.case.name} in more than one folder "
                         f"({', '.join(found)}): keep one, or name that folder")
    if found:
        return found[0]
    raise UsageError(f"{root}: no results for case {stored.case.name} (looked for {OUTPUTS[0]}.npy or .bin "
                     f"under {stored.case.name}/expected, {stored.case.name}/outputs, {stored.case.name}/)")


def read_results(folder: str, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The four outputs in ``folder``, each of the shape given (``.npy`` and ``.bin`` must agree)."""
    if not os.path.isdir(folder):
        raise UsageError(f"{folder}: no such folder")
    return {name: read_tensor(os.path.join(folder, name), shape) for name, shape in shapes.items()}


def read_result_copies(folder: str, shapes: dict[str, tuple[int, ...]]) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Every copy of each of the four outputs in ``folder`` (``.npy`` and ``.bin``), with its path."""
    if not os.path.isdir(folder):
        raise UsageError(f"{folder}: no such folder")
    return {name: read_tensor_copies(os.path.join(folder, name), shape) for name, shape in shapes.items()}
