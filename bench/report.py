"""Joins the C++ and Python benchmark results into docs/benchmarks.md and docs/benchmarks.png.

Usage: report.py --cpp CPP_JSON --py PY_JSON [--py PY_JSON ...] --machine MACHINE_JSON --md OUT.md --png OUT.png
"""

from __future__ import annotations

import argparse
import json
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from report_tails import fmt, tails_section  # noqa: E402
import report_prepare  # noqa: E402

SIZES = [1, 16, 256, 1024, 4096, 65536, 1 << 20]
# (key in the results, label, colour, line style)
IMPLS = [
    ("c_api", "advstep C API (phase 1 + 2 + sync)", "tab:red", "-"),
    ("c_api_1t", "advstep C API, one thread", "tab:red", "--"),
    ("native", "advstep C++ API", "tab:orange", "-"),
    ("advstep", "advstep Python API (numpy arrays)", "tab:brown", "-"),
    ("naive", "naive C++ loops", "tab:gray", "--"),
    ("numpy", "numpy (vLLM V1 style)", "tab:blue", "-"),
    ("torch", "PyTorch CPU (vllm-ascend fallback)", "tab:purple", "-"),
    ("memcpy", "memcpy of the same bytes (floor)", "black", ":"),
]
LABELS = {key: label for key, label, _, _ in IMPLS}
CASE = re.compile(r"^(\w+)/(v(\d)/n=(\d+)/b=(\d+)/w=(\d+))")


def load_cpp(path: str, times: dict, floor_bytes: dict, rename: dict) -> dict:
    """Google Benchmark's medians into times; returns the run's context."""
    with open(path) as f:
        cpp = json.load(f)
    for entry in cpp["benchmarks"]:
        if entry.get("aggregate_name") != "min":
            continue
        match = CASE.match(entry["run_name"])
        if not match:
            continue
        impl, key = rename.get(match.group(1), match.group(1)), match.group(2)
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[entry["time_unit"]]
        times[(impl, key)] = entry["real_time"] * scale
        if impl == "memcpy":
            floor_bytes[key] = entry["floor_bytes"]  # a constant per case, whatever the statistic
    return cpp.get("context", {})


def load(cpp_path: str, one_thread_path, py_paths: list[str]):
    """{(impl, case key): ns per call}, floor bytes per case key, Python-side versions and notes."""
    times, floor_bytes = {}, {}
    context = load_cpp(cpp_path, times, floor_bytes, {})
    if one_thread_path:
        load_cpp(one_thread_path, times, floor_bytes, {"c_api": "c_api_1t"})
    versions, notes = {}, []
    for path in py_paths:
        with open(path) as f:
            py = json.load(f)
        for r in py["results"]:
            times[(r["impl"], r["key"])] = r["min_ns"]
        for name, value in py["versions"].items():
            versions.setdefault(name, value)  # the first file (numpy, Python API) names Python and numpy
        notes += py.get("notes", [])
    return times, floor_bytes, versions, notes, context


def key(version: int, n: int, b: int = 16, w: int = 16) -> str:
    return f"v{version}/n={n}/b={b}/w={w}"


def present_impls(times) -> list[str]:
    have = {impl for impl, _ in times}
    return [k for k, _, _, _ in IMPLS if k in have]


def sweep_table(times, version: int) -> list[str]:
    impls = present_impls(times)
    lines = ["| N | " + " | ".join(LABELS[i] for i in impls) + " |", "|---:|" + "---:|" * len(impls)]
    for n in SIZES:
        lines.append(f"| {n} | " + " | ".join(fmt(times.get((i, key(version, n)))) for i in impls) + " |")
    return lines


def variants_table(times) -> list[str]:
    impls = [i for i in present_impls(times) if i != "naive"]
    lines = ["| case | " + " | ".join(LABELS[i] for i in impls) + " |", "|---|" + "---:|" * len(impls)]
    for version in (1, 2):
        for n in (256, 65536):
            for b, w in ((16, 16), (128, 16), (48, 16), (16, 4096)):
                k = key(version, n, b, w)
                lines.append(f"| `{k}` | " + " | ".join(fmt(times.get((i, k))) for i in impls) + " |")
    return lines


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def tail_rows(tails) -> dict:
    """advstep_tail_bench's rows by N, or {} when that run is absent."""
    return {row["n"]: row for row in tails["rows"]} if tails else {}


def goals(times, floor_bytes, tails=None) -> tuple[list[str], list[str]]:
    """The issue's ratios: markdown lines, and the same for the terminal."""
    t = lambda impl, k: times.get((impl, k))  # noqa: E731
    rows = []

    def add(name, value, goal, met, detail):
        rows.append((name, value, goal, met, detail))

    # The fixed cost (issue 20, item 2): the whole call at N = 1 and N = 256, against fixed bounds.
    for n, bound in ((1, 300), (256, 450)):
        c = t("c_api", key(1, n))
        add(f"V1 N={n}: C API call (phase 1 + 2 + sync)", c and fmt(c), f"<= {bound} ns",
            None if c is None else c <= bound, "")
    for version in (1, 2):
        k = key(version, 256)
        c = t("c_api", k)
        r_np = ratio(t("numpy", k), c)
        numpy_goal = 20 if version == 1 else 10
        add(f"V{version} N=256: C API vs numpy", r_np and f"{r_np:.1f}x faster", f">= {numpy_goal}x",
            None if r_np is None else r_np >= numpy_goal, f"{fmt(c)} vs {fmt(t('numpy', k))}")
        if version == 2:
            # The speculative path per cell: V2 N = 256 has 1024 cells, V1 N = 1024 has 1024 query rows
            # and one padding row.
            v2, v1 = c, t("c_api", key(1, 1024))
            r_cell = ratio(v2, v1)
            add("V2 N=256 (1024 cells) vs V1 N=1024 (1024 rows): C API", r_cell and f"{r_cell:.2f}x", "<= 2x",
                None if r_cell is None else r_cell <= 2, f"{fmt(v2)} vs {fmt(v1)}")
        r_torch = ratio(t("torch", k), c)
        add(f"V{version} N=256: C API vs PyTorch", r_torch and f"{r_torch:.1f}x faster", ">= 50x",
            None if r_torch is None else r_torch >= 50,
            f"{fmt(c)} vs {fmt(t('torch', k))}" if r_torch else "PyTorch not installed in this run")
        k = key(version, 1 << 20)
        share = ratio(t("memcpy", k), t("c_api", k))
        if share is not None and k in floor_bytes:
            gbs = lambda ns: floor_bytes[k] / ns  # noqa: E731  bytes per ns = GB/s
            detail = f"{gbs(t('c_api', k)):.1f} GB/s vs memcpy {gbs(t('memcpy', k)):.1f} GB/s ({floor_bytes[k] / 1e6:.0f} MB a call)"
        else:
            detail = ""
        add(f"V{version} N=2^20: C API bandwidth vs memcpy", share and f"{share * 100:.1f}%", ">= 60%",
            None if share is None else share >= 0.6, detail)
        share1 = ratio(t("memcpy", k), t("c_api_1t", k))
        if share1 is not None:
            add(f"V{version} N=2^20: the same, C API on one thread", f"{share1 * 100:.0f}%", "(reference)", None,
                f"{fmt(t('c_api_1t', k))} vs memcpy {fmt(t('memcpy', k))}")
        wide, narrow = t("c_api", key(version, 65536, 16, 4096)), t("c_api", key(version, 65536))
        r_w = ratio(wide, narrow)
        add(f"V{version} N=65536: width 4096 vs width 16", r_w and f"{r_w:.2f}x", "<= 1.2x",
            None if r_w is None else r_w <= 1.2, f"{fmt(wide)} vs {fmt(narrow)}")
        wide1, narrow1 = t("c_api_1t", key(version, 65536, 16, 4096)), t("c_api_1t", key(version, 65536))
        r_w1 = ratio(wide1, narrow1)
        if r_w1 is not None:
            add(f"V{version} N=65536: the same, C API on one thread", f"{r_w1:.2f}x", "(reference)", None,
                f"{fmt(wide1)} vs {fmt(narrow1)}")
        for impl in ("c_api", "native", "advstep") if version == 2 else ("native", "advstep"):  # V1's C API: above
            ns = t(impl, key(version, 1))
            if ns is not None:
                add(f"V{version} N=1: per-call overhead, {LABELS[impl]}", f"{ns:.0f} ns", "reported", None, "")
    tails = tails or {}
    loaded, quiet = tail_rows(tails.get("loaded")), tail_rows(tails.get("quiet"))
    busy = tails["loaded"]["busy"] if tails.get("loaded") else 2
    for n in (16384, 65536):
        row = loaded.get(n)
        r_tail = row and ratio(row["default"]["p99_us"] * 1000, row["one_thread"]["p99_us"] * 1000)
        add(f"V1 N={n} beside {busy} busy processes: p99 default vs one thread", r_tail and f"{r_tail:.2f}x", "<= 1.5x",
            None if r_tail is None else r_tail <= 1.5,
            row and f"{fmt(row['default']['p99_us'] * 1000)} vs {fmt(row['one_thread']['p99_us'] * 1000)}"
            or "advstep_tail_bench not run")
    row = quiet.get(1 << 20)
    r_gain = row and ratio(row["one_thread"]["p50_us"] * 1000, row["default"]["p50_us"] * 1000)
    add("V1 N=2^20, no busy process: p50 one thread vs default", r_gain and f"{r_gain:.2f}x", "> 1x",
        None if r_gain is None else r_gain > 1,
        row and f"{fmt(row['one_thread']['p50_us'] * 1000)} vs {fmt(row['default']['p50_us'] * 1000)}"
        or "advstep_tail_bench not run")
    md = ["| ratio | value | goal | met | figures |", "|---|---:|---:|:---:|---|"]
    text = []
    for name, value, goal, met, detail in rows:
        mark = "–" if met is None else ("yes" if met else "**no**")
        md.append(f"| {name} | {value or '–'} | {goal} | {mark} | {detail} |")
        verdict = "" if met is None else ("  [met]" if met else "  [NOT met]")
        text.append(f"{name:58s} {value or 'n/a':>14s}  goal {goal:8s}{verdict}  {detail}")
    return md, text


def limits(times) -> list[str]:
    """What bounds each goal, with this run's figures."""
    t = lambda impl, k: times.get((impl, k))  # noqa: E731
    lines = []
    one, many = t("c_api", key(1, 1)), t("c_api", key(1, 256))
    native_one = t("native", key(1, 1))
    numpy_256, torch_256 = t("numpy", key(1, 256)), t("torch", key(1, 256))
    if one and many and native_one:
        per_row = (many - one) / 255
        text = (
            f"- **N = 256.** A C API call costs a fixed {one:.0f} ns ({native_one:.0f} ns through the C++ API): "
            "phase 1 checks every tensor's dtype, shape, layout, place in the allocation registry and overlap "
            "with the others, then phase 2 and the synchronisation. On top comes "
            f"{per_row:.1f} ns per row: the row formula of `variants/decode/decode_row.hpp` runs as scalar code, "
            "about 51 instructions a row (callgrind: 39 in the check pass, with five data-dependent fault tests "
            "and a 64 x 64 -> 128-bit multiply in place of the division, and 10 in the write pass, which stores "
            "what the check pass found). numpy and PyTorch "
            "pay a fixed cost per array operation that does not shrink with N")
        if numpy_256:
            text += f" (numpy {fmt(numpy_256)} at N = 256"
            text += f", PyTorch {fmt(torch_256)})" if torch_256 else ")"
        text += (
            ". 20x numpy would need the whole call at about "
            + (fmt(numpy_256 / 20) if numpy_256 else "a twentieth of numpy's")
            + ": a row pass over several rows at once (one template of the formula over a scalar or a vector "
            "lane type, not written yet) and a phase 1 several times cheaper (about 5,000 instructions a call, "
            "spread over the tensor descriptions, the shape and layout rules, the registry and the overlap test).")
        lines.append(text)
    lines.append(
        "- **N = 2^20.** No tensor may be written before every row is checked, so a call is two passes: the "
        "check pass reads seq_lens, the sampled tokens and a block-table line per row and keeps what each row "
        "becomes in a per-thread scratch (24 bytes a row on V1, 16 bytes a cell on V2), the write pass reads "
        "it back and writes the four outputs: about 1.4x (V1) and 1.5x (V2) the floor's bytes. Two threads make up for it "
        "when the second core is free; the one-thread line shows the kernel alone.")
    v2_256, v1_1024 = t("c_api", key(2, 256)), t("c_api", key(1, 1024))
    if v2_256 and v1_1024:
        lines.append(
            f"- **V2 N = 256.** {fmt(v2_256)} for 1024 cells against {fmt(v1_1024)} for V1's 1024 rows: a cell "
            "costs about 1.2x a V1 row (callgrind: 60 against 51 instructions), its own position check and a "
            "scan of the sampled row for the last token on top of the same slot formula. 10x numpy needs what "
            "V1's N = 256 goal needs: fewer instructions per cell than a scalar pass gives.")
    lines.append(
        "- **Width 4096.** A row of a 4096-wide INT64 table is 32 KiB, so each sequence's entry is on a line "
        "of its own, 32 KiB from the next, where width 16 reads consecutive 128-byte rows that the hardware "
        "prefetcher streams. The kernel prefetches the entry 32 rows ahead (16 sequences on V2) and aclrtMalloc "
        "advises blocks of 2 MiB and more for huge pages. Address translation is not what is left (measured "
        "on an AMD EPYC, family 26, one thread, the table on 2 MiB pages as smaps showed): the time per call "
        "grows with the width from width 16 to width 128, whose table spans 32 pages, as much as from "
        "width 128 to width 4096, whose 1024 pages the second-level TLB still covers. Without the software "
        "prefetch width 4096 was about 20% slower; a prefetch 128 rows ahead was no faster. What is left is "
        "one isolated line per row against streamed rows. A caller keeps it small by sizing the table's "
        "width to the longest sequence it serves; without huge pages (a plain malloc'd table through the C++ "
        "API) it grows, since every row then needs its own page walk.")
    return lines


def chart(times, path: str) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), sharey=True)
    for ax, version, title in ((axes[0], 1, "V1: aclnnAdvanceStep (Q = N, one padding row)"),
                               (axes[1], 2, "V2: speculative path, S = 3 (4 cells per sequence)")):
        for impl, label, colour, style in IMPLS:
            points = [(n, times.get((impl, key(version, n)))) for n in SIZES]
            points = [(n, ns) for n, ns in points if ns is not None]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", ms=4,
                        color=colour, label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(SIZES)
        ax.set_xticklabels(["2^20" if n == 1 << 20 else str(n) for n in SIZES])
        ax.set_xlabel("N (sequences), block size 16, table width 16")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="major", alpha=0.35)
    axes[0].set_ylabel("time per call (ns, log scale)")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpp", required=True)
    parser.add_argument("--cpp-one-thread")
    parser.add_argument("--load-after", default="?")
    parser.add_argument("--py", action="append", default=[])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--md", required=True)
    parser.add_argument("--png", required=True)
    parser.add_argument("--command", default="scripts/bench.sh")
    parser.add_argument("--tails-quiet", help="advstep_tail_bench --busy 0 --json output")
    parser.add_argument("--tails-loaded", help="advstep_tail_bench --busy 2 --json output")
    parser.add_argument("--prepare-py", action="append", default=[], help="prepare_step_peers.py --json output")
    parser.add_argument("--prepare-cpp", help="advstep_prepare_bench --benchmark_out JSON")
    args = parser.parse_args()
    tails = {}
    for name, path in (("quiet", args.tails_quiet), ("loaded", args.tails_loaded)):
        if path:
            with open(path) as f:
                tails[name] = json.load(f)
    times, floor_bytes, versions, notes, context = load(args.cpp, args.cpp_one_thread, args.py)
    with open(args.machine) as f:
        machine = json.load(f)
    goal_md, goal_text = goals(times, floor_bytes, tails)
    prepare_figures, prepare_settings = report_prepare.load(args.prepare_py, args.prepare_cpp)
    goal_text += report_prepare.goal(prepare_figures)[1]
    chart(times, args.png)

    md = [
        "# Benchmarks",
        "",
        f"Regenerated by `{args.command}` (it rewrites this page and `benchmarks.png`). Every figure below "
        "comes from one run on one machine, in time per call: the best of several repetitions (5 to 7 runs of "
        "at least 30 to 80 ms for the C++ side, blocks of up to 32 calls for the Python side), because other "
        "work on this shared machine only ever adds time.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; {machine.get('memory', '?')} memory",
        f"- Compiler: {machine.get('compiler', '?')}, Release (-O3); Google Benchmark {machine.get('benchmark', '?')}",
        f"- Python {versions.get('python', '?')}, numpy {versions.get('numpy', '?')}, "
        + (f"PyTorch {versions['torch']} (CPU, {versions.get('torch_threads')} intra-op "
           f"thread{'s' if versions.get('torch_threads') != 1 else ''}, Python {versions.get('torch_python', '?')})"
           if "torch" in versions
           else "PyTorch: not installed in this run"),
        f"- advstep {machine.get('commit', '?')}; {machine.get('date', '')}; load average (1, 5, 15 min) "
        f"{machine.get('load', '?')} at the start, {args.load_after} at the end. The machine is shared: "
        "figures move by tens of percent between runs when other work runs beside them.",
    ]
    for note in machine.get("notes", []):
        md.append(f"- {note}")
    md += [
        "",
        "## Goals",
        "",
        *goal_md,
        "",
        "### What limits the goals",
        "",
        *limits(times),
        "",
        "![time per call against N](benchmarks.png)",
        "",
        "## What is measured",
        "",
        "- **advstep C API**: `aclnnAdvanceStepGetWorkspaceSize` + `aclnnAdvanceStep` (V2: the V2 pair) + "
        "`aclrtSynchronizeStream` on an eager stream, tensors created once; every check of the spec runs "
        "on every call.",
        "- **advstep C++ API**: `advstep::advance_step` on the same memory. **Python API**: "
        "`advstep.advance_step` on numpy arrays, torch_npu's argument order.",
        "- **naive C++ loops**: the formulas as plain loops with `/` and `%` (check loop, then write loop).",
        "- **numpy**: vLLM V1's CPU preparation (`positions // block_size` into the flattened block table, "
        "`np.add(..., out=)`); it checks nothing. **PyTorch**: vllm-ascend's `advance_step` fallback (V1) "
        "and omni-infer's `advance_step_spec` (V2) on CPU tensors, plus the padding writes.",
        "- **memcpy floor**: one `memcpy` that reads and writes, in all, the bytes a call must move at least: "
        "every element read or written once, plus a whole 64-byte line per block-table row read "
        "(V1: 112 B per row; V2 with S = 3: 288 B per sequence).",
        "- V1 cases have N query rows and one CUDA-graph padding row (CANN's V1 requires numSeqs > numQueries); "
        "V2 cases have N sequences of S + 1 = 4 cells. seq_lens and block tables are INT64 (CANN's dtypes). "
        "Positions are uniform over the table; the state a call consumes is restored every 32 calls.",
        "- The C API's fixed cost is bimodal from one process to the next here: for V1 at N = 1 about 590 ns in "
        "most processes and about 930 ns in some, with the same binary (the C++ API and the loops do not move); "
        "it looks like an address-layout effect and was seen with every revision tried.",
        "- Google Benchmark as Debian ships it warns that the library was built as DEBUG: that is the "
        "harness's own build, not the code measured (advstep and the benchmark are Release, -O3).",
        "- The C++ library splits batches of 16384 cells or more over the cores (2 here): "
        "`ADVSTEP_NUM_THREADS=1` turns that off. numpy is single-threaded; PyTorch uses its own threads.",
        "- The threads are the caller and parked helpers that claim chunks of 1024 to 4096 cells from one "
        "shared counter (src/cpu/workers.cpp): the caller waits only for chunks a running helper has claimed, "
        "never for a helper the scheduler has not run yet. An OpenMP team (the design before) holds its caller "
        "at a barrier until every thread of the team has arrived, which beside busy processes costs a time "
        "slice per call; see Tails.",
        "",
        *tails_section(tails),
        "## V1 sweep (block size 16, table width 16)",
        "",
        *sweep_table(times, 1),
        "",
        "## V2 sweep (S = 3, block size 16, table width 16)",
        "",
        *sweep_table(times, 2),
        "",
        "## Block sizes and table widths",
        "",
        "`b` is the block size (48: not a power of two), `w` the block-table width.",
        "",
        *variants_table(times),
        "",
        *report_prepare.section(prepare_figures, prepare_settings),
    ]
    if notes:
        md += ["## Cross-check", "", *[f"- {n}" for n in notes], ""]
    with open(args.md, "w") as f:
        f.write("\n".join(md))
    print("\n".join(goal_text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
