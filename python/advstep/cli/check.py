"""``advstep check EXPECTED ACTUAL``: every expected tensor against the same one in ACTUAL.

For each differing tensor it prints how many elements differ and the first differing rows, each
with the row's inputs and the formula's terms (terms.py), under the semantics the golden was made
with. A tensor kept as both .npy and .bin is reported once when both copies hold the same values.
When ACTUAL keeps inputs that are not EXPECTED's (another seed, say), that is said and its outputs
are not compared: they answer another question. Exit status: 0 when everything matches, 1 on a
difference (2 on a bad file or argument).
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Optional

import numpy as np

from . import prepare_terms, sources, tensor_files, tensor_io, terms_flashinfer
from .compare import Difference, differences
from .errors import UsageError
from .json_files import is_integer, read_json
from .prepare_case import PrepareCase
from .semantics import Semantics
from .terms import row_terms


def expected_outputs(stored: tensor_files.StoredCase, formats: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The golden's outputs (four, or eight for FlashInfer); for a case expected to fault, its
    unchanged inputs."""
    if "expected" not in stored.manifest and stored.manifest.get("fault"):
        return {name: stored.case.tensors[name] for name in stored.case.outputs}
    if "expected" not in stored.manifest and "outputs" in stored.manifest:
        raise UsageError(f"{stored.folder}: written by `advstep run --out` (its outputs/ are what the library "
                         f"computed, not a golden's expected/): give it as ACTUAL, and a golden folder as EXPECTED")
    return tensor_files.read_results(os.path.join(stored.folder, "expected"), stored.results_shapes(), formats)


def _files(paths: list[str]) -> str:
    """"dump/x/seqLens.bin", or "dump/x/seqLens.npy and .bin" for copies with the same values."""
    if len(paths) == 1:
        return paths[0]
    stem = os.path.splitext(paths[0])[0]
    return f"{paths[0]} and " + ", ".join(path[len(stem):] if path.startswith(stem) else path for path in paths[1:])


def _same_valued(copies: list[tuple[str, np.ndarray]]) -> list[tuple[list[str], np.ndarray]]:
    """The copies of one tensor, those with identical values together (each reported once)."""
    groups: list[tuple[list[str], np.ndarray]] = []
    for path, array in copies:
        for paths, values in groups:
            if values.shape == array.shape and np.array_equal(values, array):
                paths.append(path)
                break
        else:
            groups.append(([path], array))
    return groups


def _differing(name: str, want: np.ndarray, copies: list[tuple[str, np.ndarray]]) -> list[tuple[str, Difference]]:
    """How each distinct copy of the tensor ``name`` differs from ``want``, with the files holding it."""
    return [(_files(paths), d) for paths, array in _same_valued(copies)
            for d in differences({name: want}, {name: array}, (name,))]


def _case_folder(results_folder: str) -> str:
    """The case folder of a results folder (CASE/expected, CASE/outputs or CASE itself)."""
    if os.path.basename(os.path.normpath(results_folder)) in tensor_files.RESULT_FOLDERS:
        return os.path.dirname(os.path.normpath(results_folder))
    return results_folder


def _differing_inputs(stored: tensor_files.StoredCase, results_folder: str,
                      formats: tuple[str, ...]) -> list[tuple[str, Difference]]:
    """The inputs ACTUAL keeps beside its results (CASE/inputs/) that are not EXPECTED's: then its
    outputs answer another question, which must be said instead of any output difference."""
    inputs = os.path.join(_case_folder(results_folder), "inputs")
    if not os.path.isdir(inputs):
        return []
    found = []
    for name, array in stored.case.tensors.items():
        stem = os.path.join(inputs, name)
        if tensor_files.tensor_files_of(stem, formats):
            found += _differing(name, array, tensor_files.read_tensor_copies(stem, array.shape, formats))
    return found


def _seed_of(manifest: Any) -> Optional[int]:
    seed = manifest.get("seed") if isinstance(manifest, dict) else None
    return seed if is_integer(seed) and 0 <= seed < 2**64 else None


def _seed_hint(stored: tensor_files.StoredCase, results_folder: str) -> str:
    """Which seed drew EXPECTED's inputs (and ACTUAL's, when its manifest says), and the command that
    draws EXPECTED's."""
    seed = _seed_of(stored.manifest)
    if seed is None:
        return ""
    actual_manifest = os.path.join(_case_folder(results_folder), "manifest.json")
    try:
        actual_seed = _seed_of(read_json(actual_manifest, "manifest")) if os.path.isfile(actual_manifest) else None
    except UsageError:
        actual_seed = None
    source = str(stored.manifest.get("source", "CASEFILE"))[:80]
    count = stored.manifest.get("count")
    count_flag = f" --count {count}" if is_integer(count) and count > 1 else ""
    drawn = f"EXPECTED's inputs were drawn with seed {seed}"
    if actual_seed is not None and actual_seed != seed:
        drawn += f", ACTUAL's with seed {actual_seed}"
    return f"; {drawn}: `advstep run {source} --seed {seed}{count_flag} --out DIR` draws EXPECTED's"


def _report(stored: tensor_files.StoredCase, found: list[tuple[str, Difference]], rows: int) -> None:
    label = "row" if not (stored.case.has_speculation() or stored.case.is_flashinfer or
                          isinstance(stored.case, PrepareCase)) else "element"
    for files, difference in found:
        print(f"  {difference.tensor}: {difference.count} of {difference.size} elements differ ({files})")
        for k in difference.indices[:rows].tolist():
            want = int(np.asarray(difference.expected).reshape(-1)[k])
            got = int(np.asarray(difference.actual).reshape(-1)[k])
            print(f"    {label} {k}: expected {want}, got {got}; {_terms(stored, difference.tensor, k)}")


def _terms(stored: tensor_files.StoredCase, tensor: str, index: int) -> str:
    if isinstance(stored.case, PrepareCase):
        return prepare_terms.element_terms(stored.case, tensor, index)
    if stored.case.is_flashinfer:
        return terms_flashinfer.element_terms(stored.case, tensor, index)
    return row_terms(stored.case, stored.semantics, index)


def main(args: argparse.Namespace, _: Semantics) -> int:
    formats = tensor_io.chosen(args.format)
    cases = tensor_files.read_cases(args.expected, formats)
    tensor_files.require_folder(args.actual)
    differing = 0
    for stored in sources.progress(cases, len(cases), "check"):
        expected = expected_outputs(stored, formats)
        folder = tensor_files.locate_results(args.actual, stored, single=len(cases) == 1, formats=formats)
        inputs = _differing_inputs(stored, folder, formats)
        found: list[tuple[str, Difference]] = []
        if not inputs:
            copies = tensor_files.read_result_copies(folder, stored.results_shapes(), formats)
            found = [item for name in stored.case.outputs for item in _differing(name, expected[name], copies[name])]
        if not found and not inputs:
            if args.verbose:
                print(f"{stored.case.name}: all {len(stored.case.outputs)} tensors match")
            continue
        differing += 1
        print(f"{stored.case.name}: {stored.case.api} {stored.case.summary()}, {stored.semantics.resolved().label()}")
        for files, d in inputs:
            print(f"  ACTUAL's inputs are not EXPECTED's: {d.tensor}: {d.count} of {d.size} elements differ "
                  f"({files}), first at {d.first('EXPECTED', 'ACTUAL')}")
        if inputs:
            print(f"  outputs not compared: they answer other inputs{_seed_hint(stored, folder)}")
        _report(stored, found, args.rows)
    if differing:
        verb = "differs" if differing == 1 else "differ"
        print(f"check: {differing} of {len(cases)} case{'s' if len(cases) != 1 else ''} {verb}")
        return 1
    counts = " or ".join(str(c) for c in sorted({len(stored.case.outputs) for stored in cases}))
    print(f"check: all {len(cases)} case{'s' if len(cases) != 1 else ''} match ({counts} tensors each)")
    return 0
