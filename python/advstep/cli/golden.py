"""``advstep golden CASE --out DIR``: seeded inputs and expected outputs, verified twice over.

Each case is computed by the library and by the command's own reference; a case where they
disagree is not written (and the command exits 1), so a golden never carries one
implementation's mistake.
"""

from __future__ import annotations

import argparse
import os

from . import library, sources, tensor_files
from .errors import UsageError
from .semantics import Semantics
from .verify import verify


def main(args: argparse.Namespace, semantics: Semantics) -> int:
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UsageError(f"--out {args.out}: exists and is not a folder")
    if os.path.isdir(args.case):
        raise UsageError(f"{args.case}: golden reads a case file, not a folder")
    total = sources.total_cases(args.case, args.count)
    device = library.Device("cpu")
    os.makedirs(args.out, exist_ok=True)
    names: list[str] = []
    faults = 0
    extra = {"source": os.path.basename(args.case), "seed": args.seed}
    for case in sources.progress(sources.cases_from(args.case, args.seed, args.count), total, "golden"):
        result = verify(case, semantics, device)
        if not result.agree:
            print(f"golden: case {case.name}: the library and the reference disagree, nothing written for it: "
                  f"{result.problems[0]}")
            return 1
        faults += result.library_fault is not None
        tensor_files.write_case(os.path.join(args.out, case.name), case, result.library, semantics,
                                {**extra, "fault": result.library_fault})
        names.append(case.name)
    tensor_files.write_set(args.out, names, {**extra, **semantics.to_json()})
    note = f" ({faults} with an expected data fault: inputs only)" if faults else ""
    print(f"golden: {len(names)} case{'s' if len(names) != 1 else ''} written to {args.out}{note}, "
          f"{semantics.resolved().label()}, seed {args.seed}")
    return 0
