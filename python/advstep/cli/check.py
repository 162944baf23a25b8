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
from .compare import differences
from .semantics import Semantics
from .terms import row_terms


def expected_outputs(stored: tensor_files.StoredCase) -> dict[str, np.ndarray]:
    """The golden's four outputs; for a case expected to fault, its unchanged inputs."""
    if "expected" not in stored.manifest and stored.manifest.get("fault"):
        return {name: stored.case.tensors[name] for name in OUTPUTS}
    return tensor_files.read_results(os.path.join(stored.folder, "expected"), stored.results_shapes())


def main(args: argparse.Namespace, _: Semantics) -> int:
    cases = tensor_files.read_cases(args.expected)
    if not os.path.isdir(args.actual):
        from .errors import UsageError

        raise UsageError(f"{args.actual}: no such folder")
    differing = 0
    for stored in sources.progress(cases, len(cases), "check"):
        expected = expected_outputs(stored)
        folder = tensor_files.locate_results(args.actual, stored, single=len(cases) == 1)
        actual = tensor_files.read_results(folder, stored.results_shapes())
        found = differences(expected, actual)
        if not found:
            if args.verbose:
                print(f"{stored.case.name}: all {len(OUTPUTS)} tensors match")
            continue
        differing += 1
        print(f"{stored.case.name}: {stored.case.api} {stored.case.summary()}, {stored.semantics.resolved().label()}")
        label = "element" if stored.case.has_speculation() else "row"
        for difference in found:
            print(f"  {difference.tensor}: {difference.count} of {difference.size} elements differ "
                  f"({os.path.join(folder, difference.tensor)})")
            for k in difference.indices[: args.rows].tolist():
                want = int(np.asarray(difference.expected).reshape(-1)[k])
                got = int(np.asarray(difference.actual).reshape(-1)[k])
                print(f"    {label} {k}: expected {want}, got {got}; {row_terms(stored.case, stored.semantics, k)}")
    if differing:
        print(f"check: {differing} of {len(cases)} case{'s' if len(cases) != 1 else ''} differ")
        return 1
    print(f"check: all {len(cases)} case{'s' if len(cases) != 1 else ''} match ({len(OUTPUTS)} tensors each)")
    return 0
