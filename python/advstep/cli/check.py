"""``advstep check EXPECTED ACTUAL``: every expected tensor against the same one in ACTUAL.

For each differing tensor it prints how many elements differ and the first differing rows, each
with the row's inputs and the formula's terms (terms.py), under the semantics the golden was made
with. Exit status: 0 when everything matches, 1 on a difference (2 on a bad file or argument).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from . import sources, tensor_files
from .case import OUTPUTS
from .compare import Difference, differences
from .errors import UsageError
from .semantics import Semantics
from .terms import row_terms


def expected_outputs(stored: tensor_files.StoredCase) -> dict[str, np.ndarray]:
    """The golden's four outputs; for a case expected to fault, its unchanged inputs."""
    if "expected" not in stored.manifest and stored.manifest.get("fault"):
        return {name: stored.case.tensors[name] for name in OUTPUTS}
    if "expected" not in stored.manifest and "outputs" in stored.manifest:
        raise UsageError(f"{stored.folder}: written by `advstep run --out` (its outputs/ are what the library "
                         f"computed, not a golden's expected/): give it as ACTUAL, and a golden folder as EXPECTED")
    return tensor_files.read_results(os.path.join(stored.folder, "expected"), stored.results_shapes())


def _differing_copies(expected: dict[str, np.ndarray],
                     copies: dict[str, list[tuple[str, np.ndarray]]]) -> list[tuple[str, Difference]]:
    """Each file of ACTUAL (every .npy and .bin copy of every tensor) that differs, with its path."""
    found = []
    for name in OUTPUTS:
        for path, array in copies[name]:
            found += [(path, d) for d in differences({name: expected[name]}, {name: array}, (name,))]
    return found


def _differing_inputs(stored: tensor_files.StoredCase, results_folder: str) -> list[str]:
    """The inputs ACTUAL keeps beside its results (CASE/inputs/) that are not EXPECTED's: then its
    outputs answer another question, which must be said before any output difference."""
    case_folder = results_folder
    if os.path.basename(os.path.normpath(results_folder)) in tensor_files.RESULT_FOLDERS:
        case_folder = os.path.dirname(os.path.normpath(results_folder))
    inputs = os.path.join(case_folder, "inputs")
    if not os.path.isdir(inputs):
        return []
    found = []
    for name, array in stored.case.tensors.items():
        stem = os.path.join(inputs, name)
        if not tensor_files.tensor_files_of(stem):
            continue
        for path, copy in tensor_files.read_tensor_copies(stem, array.shape):
            for d in differences({name: array}, {name: copy}, (name,)):
                found.append(f"{d.count} of {d.size} elements differ ({path}), first at "
                             f"{d.first('EXPECTED', 'ACTUAL')}")
    return found


def main(args: argparse.Namespace, _: Semantics) -> int:
    cases = tensor_files.read_cases(args.expected)
    if not os.path.isdir(args.actual):
        raise UsageError(f"{args.actual}: no such folder")
    differing = 0
    for stored in sources.progress(cases, len(cases), "check"):
        expected = expected_outputs(stored)
        folder = tensor_files.locate_results(args.actual, stored, single=len(cases) == 1)
        found = _differing_copies(expected, tensor_files.read_result_copies(folder, stored.results_shapes()))
        inputs = _differing_inputs(stored, folder)
        if not found and not inputs:
            if args.verbose:
                print(f"{stored.case.name}: all {len(OUTPUTS)} tensors match")
            continue
        differing += 1
        print(f"{stored.case.name}: {stored.case.api} {stored.case.summary()}, {stored.semantics.resolved().label()}")
        for line in inputs:
            print(f"  ACTUAL's inputs are not EXPECTED's: {line}")
        label = "element" if stored.case.has_speculation() else "row"
        for path, difference in found:
            print(f"  {difference.tensor}: {difference.count} of {difference.size} elements differ ({path})")
            for k in difference.indices[: args.rows].tolist():
                want = int(np.asarray(difference.expected).reshape(-1)[k])
                got = int(np.asarray(difference.actual).reshape(-1)[k])
                print(f"    {label} {k}: expected {want}, got {got}; {row_terms(stored.case, stored.semantics, k)}")
    if differing:
        verb = "differs" if differing == 1 else "differ"
        print(f"check: {differing} of {len(cases)} case{'s' if len(cases) != 1 else ''} {verb}")
        return 1
    print(f"check: all {len(cases)} case{'s' if len(cases) != 1 else ''} match ({len(OUTPUTS)} tensors each)")
    return 0
