"""prepare_inputs beside its CPU peers: the figures of bench/prepare_step_peers.py (the Python API, numpy, PyTorch;
one JSON per interpreter) and of advstep_prepare_bench (the C++ API and unchecked loops; Google Benchmark's JSON),
joined by R into one table with the ratios and the goal, for the console and for docs/benchmarks.md.

Usage: report_prepare.py --py PY_JSON [--py TORCH_JSON] [--cpp CPP_JSON]   (prints the table and the goal)
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from report_tails import fmt

GOAL_REQUESTS = 256
GOAL_RATIO = 10.0
LABELS = {"advstep": "advstep Python API", "cpp_api": "advstep C++ API", "unchecked_loop": "unchecked C++ loop",
          "numpy": "numpy peer", "torch": "PyTorch CPU peer"}
ORDER = tuple(LABELS)
PEERS = ("numpy", "torch")
SUBJECTS = ("advstep", "cpp_api")


def load(py_paths: list[str], cpp_path: str | None = None) -> tuple[dict, dict]:
    """{(impl, R): {"median", "p90", "min", "tokens"}} in ns per call, and the peers' settings (spec, threads)."""
    figures, settings = {}, {}
    for path in py_paths:
        with open(path) as f:
            run = json.load(f)
        settings.update({k: v for k, v in run.items() if k != "results"})
        for row in run["results"]:
            figures[(row["impl"], row["requests"])] = {"median": row["ns_per_call"], "p90": row["p90_ns"],
                                                        "min": row["min_ns"], "tokens": row["tokens"]}
    if cpp_path:
        with open(cpp_path) as f:
            benchmarks = json.load(f)["benchmarks"]
        for bench in benchmarks:
            found = re.match(r"prepare_inputs/(\w+)/r=(\d+)/", bench["name"])
            statistic = bench.get("aggregate_name")
            if found and statistic in ("median", "p90", "min") and not bench.get("error_occurred"):
                impl, requests = found.group(1), int(found.group(2))
                cell = figures.setdefault((impl, requests), {"tokens": int(bench["tokens"])})
                cell[statistic] = bench["real_time"]  # the benchmark reports nanoseconds
    return figures, settings


def _impls(figures: dict) -> list[str]:
    present = {impl for impl, _ in figures}
    return [impl for impl in ORDER if impl in present]


def _requests(figures: dict) -> list[int]:
    return sorted({requests for _, requests in figures})


def ratio(figures: dict, subject: str, peer: str, requests: int) -> float | None:
    """How many times faster the subject's median is than the peer's at R requests (None if either is missing)."""
    a, b = figures.get((subject, requests)), figures.get((peer, requests))
    if not a or not b or not a.get("median") or "median" not in b:
        return None
    return b["median"] / a["median"]


def _ratio_pairs(figures: dict) -> list[tuple[str, str]]:
    impls = _impls(figures)
    return [(s, p) for s in SUBJECTS if s in impls for p in PEERS if p in impls]


def table(figures: dict) -> list[str]:
    """Markdown: per R, each implementation's median / p90 (and the tokens of the step), then the ratios."""
    impls, pairs = _impls(figures), _ratio_pairs(figures)
    head = ["R", "tokens", *[f"{LABELS[i]}: median / p90" for i in impls],
            *[f"{LABELS[s].replace('advstep ', '')} vs {p}" for s, p in pairs]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for requests in _requests(figures):
        tokens = sorted({str(figures[(i, requests)]["tokens"]) for i in impls if (i, requests) in figures})
        cells = [str(requests), " / ".join(tokens)]
        for impl in impls:
            f = figures.get((impl, requests))
            cells.append(f"{fmt(f.get('median'))} / {fmt(f.get('p90'))}" if f else "–")
        for subject, peer in pairs:
            r = ratio(figures, subject, peer, requests)
            cells.append(f"{r:.1f}x" if r is not None else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def goal(figures: dict) -> tuple[list[str], list[str]]:
    """The goal's rows (markdown) and its console lines: every check made, at least 10x each CPU peer at R = 256."""
    md = ["| ratio at R = 256 (medians) | value | goal | met | figures |", "|---|---:|---:|:---:|---|"]
    text = []
    for subject, peer in _ratio_pairs(figures):
        r = ratio(figures, subject, peer, GOAL_REQUESTS)
        if r is None:
            continue
        met = r >= GOAL_RATIO
        a, b = figures[(subject, GOAL_REQUESTS)], figures[(peer, GOAL_REQUESTS)]
        name = f"{LABELS[subject]} vs {LABELS[peer]}"
        detail = f"{fmt(a['median'])} vs {fmt(b['median'])}"
        goal_cell = f">= {GOAL_RATIO:g}x" if subject == "advstep" else "(reference)"
        value = f"{r:.1f}x faster" if r >= 1 else f"{1 / r:.1f}x slower"
        md.append(f"| {name} | {value} | {goal_cell} | {('yes' if met else '**no**') if subject == 'advstep' else '–'} "
                  f"| {detail} |")
        text.append(f"goal: at least {GOAL_RATIO:g}x the CPU peer at R = {GOAL_REQUESTS}: {name} {r:.1f}x ({detail})"
                    + (f" -> {'met' if met else 'NOT met'}" if subject == "advstep" else ""))
    return md, text


def section(figures: dict, settings: dict) -> list[str]:
    """The page's section on prepare_inputs (empty when nothing was measured)."""
    if not figures:
        return []
    goal_md, _ = goal(figures)
    spec, threads = settings.get("spec", "?"), settings.get("torch_threads", "?")
    return [
        "## prepare_inputs beside vLLM-style CPU peers",
        "",
        f"One decode step with drafts (spec prepare_step.md 3.1): R requests picked by `idx_mapping` from R + R/4 + 1 "
        f"state rows, 1 to 1 + S tokens each (S = {spec}), every row past its prompt, contexts below 4096, block size "
        "16, vLLM's dtypes, outputs padded to a multiple of 8 rows. **advstep** (Python API on numpy arrays, C++ API) "
        "makes every check of the spec on every call. The **numpy** and **PyTorch** peers (`bench/prepare_step_peers.py`) "
        "prepare the same step as vLLM's model runner would on the CPU (positions by cumsum/arange over the ragged "
        "query ranges, slots through the flattened block table, -1 and 0 tails) and check nothing; a test compares "
        f"their outputs with the oracle. PyTorch runs on {threads} intra-op thread(s). The **unchecked C++ loop** is the "
        "step as the engines' kernels compute it, in one pass with no check. Times per call: the median and the 90th "
        "percentile of blocks of calls (Python) or of 15 repetitions (C++). The C++ workload is drawn by another "
        "generator (same recipe), so its token count differs a little.",
        "",
        *goal_md,
        "",
        *table(figures),
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--py", action="append", default=[], help="a prepare_step_peers.py --json output")
    parser.add_argument("--cpp", help="advstep_prepare_bench --benchmark_out JSON")
    args = parser.parse_args(argv)
    figures, _ = load(args.py, args.cpp)
    print("\n".join(table(figures)))
    print("\n".join(goal(figures)[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
