"""prepare_inputs beside its CPU peers: one decode step with drafts, prepared by advstep's Python API (every check
made) and the way vLLM's model runner prepares a step on the CPU, with numpy and (when importable) torch on the CPU;
timed side by side at R = 1 .. 4096 requests, with the ratios and the goal (at least 10x the CPU peer at R = 256).

A step (spec prepare_step.md 3.1): R requests picked from a larger state by idx_mapping, each scheduling 1 to
1 + S tokens (the last sampled token and up to S drafts); the peer computes positions with cumsum/arange over
the ragged query ranges, seq_lens, logits indices, the combined sampled and draft tokens, and slots through the
flattened block table, with the -1 and 0 tails. Like the engines' own code it checks nothing: it is the speed
to beat (with every check made) and, through the prepare-step oracle in python/tests, known to be right.
bench/report_prepare.py joins these figures with the C++ API's (advstep_prepare_bench) for docs/benchmarks.md.

Usage: prepare_step_peers.py [--requests 1,4,16,...] [--spec 3] [--impl advstep,numpy,torch] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np

REQUESTS = (1, 4, 16, 64, 256, 1024, 4096)
SPEC = 3  # drafts per request at most (S)
BLOCK_SIZE = 16
CONTEXT = 4096  # a request's computed tokens are drawn below this
VOCABULARY = 32000
BLOCKS = 1 << 20
GRAPH_SIZE = 8  # seq_lens is padded to a multiple of this, as for CUDA-graph batch sizes
TIME_BUDGET_S = 0.25  # per implementation and R
GOAL_REQUESTS, GOAL_RATIO = 256, 10.0  # advstep at least 10x the CPU peer at R = 256


@dataclass
class StepWorkload:
    """The tensors of one prepare_inputs call, as numpy arrays with vLLM's dtypes (spec 1)."""

    idx_mapping: np.ndarray  # [R] int64
    query_start_loc: np.ndarray  # [R + 1] int32
    cu_num_logits: np.ndarray  # [R + 1] int32
    num_computed_tokens: np.ndarray  # [Rmax] int32
    prefill_len: np.ndarray  # [Rmax] int32
    last_sampled_tokens: np.ndarray  # [Rmax] int64
    draft_tokens: np.ndarray  # [Rmax, S] int64
    block_tables: np.ndarray  # [Rmax, W] int32
    block_size: int
    input_ids: np.ndarray  # [M] int32, out
    positions: np.ndarray  # [M] int64, out
    seq_lens: np.ndarray  # [Rs] int32, out
    slot_mapping: np.ndarray  # [M] int64, out
    logits_indices: np.ndarray  # [cu[R]] int64, out

    OUTPUTS = ("input_ids", "positions", "seq_lens", "slot_mapping", "logits_indices")

    @property
    def requests(self) -> int:
        return self.idx_mapping.shape[0]

    @property
    def tokens(self) -> int:
        return int(self.query_start_loc[-1])


def make_workload(requests: int, spec: int = SPEC, context: int = CONTEXT, block_size: int = BLOCK_SIZE,
                  seed: int = 0, fill: int = 7) -> StepWorkload:
    """A decode step: every row past its prompt, 1 + d tokens for d drafts in [0, spec]; outputs pre-filled."""
    rng = np.random.default_rng(seed)
    state_rows = requests + requests // 4 + 1  # idle requests stay in the state
    width = -(-(context + spec + 1) // block_size)
    num_tokens = rng.integers(1, spec + 2, size=requests)
    query_start_loc = np.zeros(requests + 1, np.int32)
    np.cumsum(num_tokens, out=query_start_loc[1:])
    computed = rng.integers(0, context, size=state_rows).astype(np.int32)
    padded_rows = -(-requests // GRAPH_SIZE) * GRAPH_SIZE
    buffer_tokens = padded_rows * (spec + 1)
    return StepWorkload(
        idx_mapping=rng.permutation(state_rows)[:requests].astype(np.int64),
        query_start_loc=query_start_loc,
        cu_num_logits=query_start_loc.copy(),  # a decode row's logits: its bonus token and every draft
        num_computed_tokens=computed,
        prefill_len=np.minimum(computed, rng.integers(1, 64, size=state_rows)).astype(np.int32),
        last_sampled_tokens=rng.integers(0, VOCABULARY, size=state_rows, dtype=np.int64),
        draft_tokens=rng.integers(0, VOCABULARY, size=(state_rows, spec), dtype=np.int64),
        block_tables=rng.integers(0, BLOCKS, size=(state_rows, width), dtype=np.int32),
        block_size=block_size,
        input_ids=np.full(buffer_tokens, fill, np.int32),
        positions=np.full(buffer_tokens, fill, np.int64),
        seq_lens=np.full(padded_rows, fill, np.int32),
        slot_mapping=np.full(buffer_tokens, fill, np.int64),
        logits_indices=np.full(int(query_start_loc[-1]), fill, np.int64),
    )


def _ragged_arange(starts: np.ndarray, counts: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """For ragged rows of ``counts`` elements: each element's row and its index inside the row (cumsum trick)."""
    row = np.repeat(np.arange(counts.shape[0]), counts)
    return row, np.arange(total) - np.repeat(starts, counts)


def prepare_numpy(w: StepWorkload) -> None:
    """One step with numpy, written as vLLM's runner prepares it on the CPU (num_bonus = 1, one KV group)."""
    rows, qsl, cu = w.requests, w.query_start_loc, w.cu_num_logits
    total = int(qsl[rows])
    num_tokens = np.diff(qsl)
    token_row, offset = _ragged_arange(qsl[:-1], num_tokens, total)
    state_row = w.idx_mapping[token_row]
    positions = w.num_computed_tokens[state_row].astype(np.int64) + offset
    w.positions[:total] = positions
    computed = w.num_computed_tokens[w.idx_mapping]
    seq_lens = computed + num_tokens
    w.seq_lens[:rows] = seq_lens
    w.seq_lens[rows:] = 0
    width = w.block_tables.shape[1]
    block_numbers = w.block_tables.ravel()[state_row * width + positions // w.block_size]
    w.slot_mapping[:total] = block_numbers.astype(np.int64) * w.block_size + positions % w.block_size
    w.slot_mapping[total:] = -1

    num_logits = np.diff(cu)
    logit_row, k = _ragged_arange(cu[:-1], num_logits, int(cu[rows]))
    logits = qsl[1:][logit_row] - num_logits[logit_row] + k
    w.logits_indices[:] = logits
    prompt = w.prefill_len[w.idx_mapping]
    decode = seq_lens > prompt
    bonus = decode & (seq_lens - num_logits >= prompt)
    w.input_ids[(qsl[1:] - num_logits)[bonus]] = w.last_sampled_tokens[w.idx_mapping[bonus]]
    is_draft = (k >= 1) & decode[logit_row]
    w.input_ids[logits[is_draft]] = w.draft_tokens[w.idx_mapping[logit_row[is_draft]], k[is_draft] - 1]


def torch_peer(w: StepWorkload):
    """The same step with torch on the CPU (tensors share the workload's memory); None without torch."""
    try:
        import torch
    except ImportError:
        return None
    t = {name: torch.from_numpy(getattr(w, name)) for name in (
        "idx_mapping", "query_start_loc", "cu_num_logits", "num_computed_tokens", "prefill_len",
        "last_sampled_tokens", "draft_tokens", "block_tables", *StepWorkload.OUTPUTS)}
    block_size, rows = w.block_size, w.requests

    def ragged(starts, counts, total):
        row = torch.repeat_interleave(torch.arange(counts.shape[0]), counts)
        return row, torch.arange(total) - torch.repeat_interleave(starts, counts)

    def step() -> None:
        qsl, cu, idx = t["query_start_loc"].long(), t["cu_num_logits"].long(), t["idx_mapping"]
        total = int(qsl[rows])
        num_tokens = qsl.diff()
        token_row, offset = ragged(qsl[:-1], num_tokens, total)
        state_row = idx[token_row]
        positions = t["num_computed_tokens"][state_row].long() + offset
        t["positions"][:total] = positions
        seq_lens = t["num_computed_tokens"][idx] + num_tokens
        t["seq_lens"][:rows] = seq_lens
        t["seq_lens"][rows:] = 0
        width = t["block_tables"].shape[1]
        block_numbers = t["block_tables"].view(-1)[state_row * width + positions // block_size]
        t["slot_mapping"][:total] = block_numbers.long() * block_size + positions % block_size
        t["slot_mapping"][total:] = -1
        num_logits = cu.diff()
        logit_row, k = ragged(cu[:-1], num_logits, int(cu[rows]))
        logits = qsl[1:][logit_row] - num_logits[logit_row] + k
        t["logits_indices"][:] = logits
        prompt = t["prefill_len"][idx]
        decode = seq_lens > prompt
        bonus = decode & (seq_lens - num_logits >= prompt)
        t["input_ids"][(qsl[1:] - num_logits)[bonus]] = t["last_sampled_tokens"][idx[bonus]].int()
        is_draft = (k >= 1) & decode[logit_row]
        t["input_ids"][logits[is_draft]] = t["draft_tokens"][idx[logit_row[is_draft]], k[is_draft] - 1].int()

    return step


def advstep_peer(w: StepWorkload):
    """The same step through advstep.prepare_inputs on the workload's arrays (every check made); None without it."""
    try:
        import advstep
    except ImportError:
        return None
    arrays = {name: getattr(w, name) for name in (
        "idx_mapping", "query_start_loc", "cu_num_logits", "num_computed_tokens", "prefill_len",
        "last_sampled_tokens", "draft_tokens", "block_tables", *StepWorkload.OUTPUTS)}
    return lambda: advstep.prepare_inputs(**arrays, block_size=w.block_size)


PEERS = {"advstep": advstep_peer, "numpy": lambda w: (lambda: prepare_numpy(w)), "torch": torch_peer}


def time_steps(steps: dict) -> dict:
    """The steps timed side by side: blocks of calls of each in turn (so that the host's load falls on all alike)
    until each has spent TIME_BUDGET_S; per step and per call, the median, the 90th percentile and the best
    block (the best is what the step costs when the host lets it run; the spread shows how busy it was)."""
    calls_per_block, per_call, spent = {}, {name: [] for name in steps}, dict.fromkeys(steps, 0.0)
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        first = time.perf_counter() - start
        calls_per_block[name] = max(1, min(64, int(0.01 / max(first, 1e-9))))
    while any(spent[name] < TIME_BUDGET_S or len(per_call[name]) < 3 for name in steps):
        for name, step in steps.items():
            start = time.perf_counter_ns()
            for _ in range(calls_per_block[name]):
                step()
            elapsed = time.perf_counter_ns() - start
            per_call[name].append(elapsed / calls_per_block[name])
            spent[name] += elapsed * 1e-9
    figures = {}
    for name, samples in per_call.items():
        ordered = sorted(samples)
        figures[name] = {"ns_per_call": statistics.median(ordered), "p90_ns": ordered[round(0.9 * (len(ordered) - 1))],
                         "min_ns": ordered[0], "blocks": len(ordered)}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", default=",".join(map(str, REQUESTS)), help="comma-separated R values")
    parser.add_argument("--spec", type=int, default=SPEC, help="drafts per request at most (S)")
    parser.add_argument("--impl", default="advstep,numpy,torch", help="what to time: advstep, numpy, torch")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch's intra-op threads (1: the step is small, and a pool only adds noise)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    impls = [name for name in args.impl.split(",") if name]
    unknown = [name for name in impls if name not in PEERS]
    if unknown:
        parser.error(f"unknown --impl {', '.join(unknown)} (known: {', '.join(PEERS)})")
    if "torch" in impls:
        try:
            import torch
            torch.set_num_threads(args.torch_threads)
        except ImportError:
            pass  # its column says "absent"
    results = []
    print(f"prepare_inputs beside its CPU peers, S = {args.spec}, B = {BLOCK_SIZE}, torch threads = "
          f"{args.torch_threads}; microseconds per step, median / p90 of blocks of calls; ratios of the medians")
    ratios = [name for name in ("numpy", "torch") if "advstep" in impls and name in impls]
    print(f"{'R':>6} {'tokens':>7}  " + "  ".join(f"{name + ' us':>17}" for name in impls)
          + "".join(f"  {'vs ' + name:>9}" for name in ratios))
    at_goal = {}
    for requests in (int(r) for r in args.requests.split(",")):
        w = make_workload(requests, spec=args.spec)
        steps = {name: PEERS[name](w) for name in impls}
        figures = time_steps({name: step for name, step in steps.items() if step is not None})
        cells = []
        for name in impls:
            if name not in figures:
                cells.append(f"{'absent':>17}")
                continue
            results.append({"impl": name, "requests": requests, "tokens": w.tokens, **figures[name]})
            cells.append(f"{figures[name]['ns_per_call'] / 1e3:8.1f} / {figures[name]['p90_ns'] / 1e3:6.1f}")
        for name in ratios:
            if "advstep" in figures and name in figures:
                times = figures[name]["ns_per_call"] / figures["advstep"]["ns_per_call"]
                cells.append(f"{times:8.1f}x")
                if requests == GOAL_REQUESTS:
                    at_goal[name] = times
            else:
                cells.append(f"{'absent':>9}")
        print(f"{requests:>6} {w.tokens:>7}  " + "  ".join(cells))
    for name, times in at_goal.items():
        print(f"goal: at least {GOAL_RATIO:g}x the CPU peer at R = {GOAL_REQUESTS}: advstep vs {name} {times:.1f}x -> "
              + ("met" if times >= GOAL_RATIO else "NOT met"))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"spec": args.spec, "block_size": BLOCK_SIZE, "torch_threads": args.torch_threads,
                       "results": results}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
