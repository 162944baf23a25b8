"""The report's time format, and the tails section of docs/benchmarks.md: advstep_tail_bench's runs (bench/tail_under_load.cpp) as
tables of p50 / p99 / max, default threads beside one thread, quiet and beside busy processes."""

from __future__ import annotations


def fmt(ns) -> str:
    """A time in nanoseconds as the report prints every time ("–" when it was not measured)."""
    if ns is None:
        return "–"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.2f} ms"


def _us(value_us: float) -> str:
    return fmt(value_us * 1000)


def tail_table(tails) -> list[str]:
    """One run of advstep_tail_bench as a table: p50 / p99 / max, default threads and one thread."""
    lines = [f"{tails['busy']} busy process{'es' if tails['busy'] != 1 else ''} beside the calls; {tails['rounds']} "
             f"rounds of {tails['seconds']:g} s per size and mode; load average at the start {tails['load']}.", "",
             "| N | default: p50 | p99 | max | one thread: p50 | p99 | max | p99 default / one thread | calls |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in tails["rows"]:
        d, o = row["default"], row["one_thread"]
        lines.append(f"| {row['n']} | {_us(d['p50_us'])} | {_us(d['p99_us'])} | {_us(d['max_us'])} | {_us(o['p50_us'])} | "
                     f"{_us(o['p99_us'])} | {_us(o['max_us'])} | {d['p99_us'] / o['p99_us']:.2f}x | "
                     f"{d['calls']} / {o['calls']} |")
    return lines


def tails_section(tails) -> list[str]:
    if not tails:
        return []
    md = ["## Tails: default threads and one thread, quiet and beside busy processes", "",
          "`advstep_tail_bench` (bench/tail_under_load.cpp) times every call of V1, W = 16, B = 16, the full C API "
          "call (phase 1 + phase 2 + synchronise), each size and mode in a process of its own, the two modes "
          "alternated so that both meet the same load; `--busy K` forks K processes that spin beside the calls "
          "(ended by the driver, by an alarm, and by the driver's death). p50, p99 and max are nearest-rank "
          "over all calls of all rounds.", ""]
    for name in ("quiet", "loaded"):
        if tails.get(name):
            md += [*tail_table(tails[name]), ""]
    md += ["What limits the tails: a helper that the scheduler puts aside while it runs a chunk it has claimed "
           "still holds the caller until it runs again (a claimed chunk cannot be taken back: the helper would "
           "write memory the call has already handed back), so helpers park at once after each loop and hold one "
           "chunk at a time, the caller polls up to 100 µs for a helper's last chunk rather than give its core "
           "away, and a call of many time slices (N = 2^20 on a loaded machine) meets that wait at the end of "
           "most passes.", ""]
    return md
