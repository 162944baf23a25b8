"""advance_step on the GPU against a Triton peer, timed per engine step.

The peer prepares a decode step's inputs the way a current GPU model runner does it in Triton: one
program per block of rows, positions and sequence lengths from the previous lengths, slot mappings
through the block table, int32 lengths and block tables, int64 tokens, positions and slots; for the
speculative step (V2) one program per block of cells (sequence i, token j), the position advanced by
the accepted drafts, the first token the last accepted sampled token and the others the drafts.
advstep runs through its torch op (``torch.ops.advstep.advance_step``), as an engine would call it.
Both start from the same tensors and must agree on every output before anything is timed.

Per variant and N (sequences, 1 .. 2^20), three figures per implementation (and an empty Triton
launch):

- ``step``: one call and the stream synchronisation an engine pays each step before it reads its
  inputs on the host, wall clock, median of the timed steps;
- ``back-to-back``: calls enqueued without waiting, CUDA-event time per call (the launch rate, or the
  GPU time once the GPU is the slower side);
- the ratios advstep / Triton and advstep / empty launch.

Usage: python bench/cuda/triton_peer.py [--variants v1,v2] [--max-log2 20] [--markdown FILE]
Needs torch with CUDA, Triton and the advstep package built with its CUDA backend.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List

import torch
import triton
import triton.language as tl

import advstep

BLOCK_SIZE = 16  # KV-cache block size, tokens
TABLE_WIDTH = 32  # blocks per sequence: 512 positions
MAX_INITIAL_POSITION = 200  # so that the timed steps stay inside the table
DRAFTS = 3  # V2: speculative tokens per sequence (E = DRAFTS + 1 cells per sequence)
ROWS_PER_PROGRAM = 256


@triton.jit
def _decode_step(tokens, sampled, positions, seq_lens, slots, block_table, table_stride, num_queries, num_seqs,
                 KV_BLOCK: tl.constexpr, ROWS: tl.constexpr):
    """V1: rows below num_queries advance by one token; rows up to num_seqs are padding."""
    rows = tl.program_id(0) * ROWS + tl.arange(0, ROWS)
    live = rows < num_queries
    written = rows < num_seqs
    length = tl.load(seq_lens + rows, mask=live, other=0)
    token = tl.load(sampled + rows, mask=live, other=0)
    block = tl.load(block_table + rows.to(tl.int64) * table_stride + length // KV_BLOCK, mask=live, other=0)
    slot = block.to(tl.int64) * KV_BLOCK + (length % KV_BLOCK).to(tl.int64)
    tl.store(tokens + rows, tl.where(live, token, 0), mask=written)
    tl.store(positions + rows, tl.where(live, length.to(tl.int64), 0), mask=written)
    tl.store(seq_lens + rows, length + 1, mask=live)
    tl.store(slots + rows, tl.where(live, slot, -1), mask=written)


@triton.jit
def _speculative_step(tokens, sampled, positions, seq_lens, slots, block_table, table_stride, spec_tokens,
                      accepted, num_cells, KV_BLOCK: tl.constexpr, CELLS: tl.constexpr, TOKENS: tl.constexpr):
    """V2: cell k = i * TOKENS + j; the position moves past the accepted drafts and the new token."""
    cells = tl.program_id(0) * CELLS + tl.arange(0, CELLS)
    live = cells < num_cells
    seq = cells // TOKENS
    col = cells % TOKENS
    position = tl.load(positions + cells, mask=live, other=0) + tl.load(accepted + seq, mask=live, other=0) + 1
    block = tl.load(block_table + seq.to(tl.int64) * table_stride + position // KV_BLOCK, mask=live, other=0)
    tl.store(positions + cells, position, mask=live)
    tl.store(seq_lens + cells, (position + 1).to(tl.int32), mask=live)
    tl.store(slots + cells, block.to(tl.int64) * KV_BLOCK + position % KV_BLOCK, mask=live)
    # The first cell's token: the last sampled token before the row's first -1 (rejected).
    last = tl.load(sampled + seq * TOKENS, mask=live, other=0)
    rejected = last == -1
    for c in tl.static_range(1, TOKENS):
        value = tl.load(sampled + seq * TOKENS + c, mask=live, other=-1)
        rejected = rejected | (value == -1)
        last = tl.where(rejected, last, value)
    draft = tl.load(spec_tokens + seq * (TOKENS - 1) + col - 1, mask=live & (col > 0), other=0)
    tl.store(tokens + cells, tl.where(col == 0, last, draft), mask=live)


@triton.jit
def _empty(unused):
    pass


@dataclass
class Case:
    """One step's tensors; ``pristine`` restores the ones a step reads after writing."""

    tensors: Dict[str, torch.Tensor]
    num_seqs: int
    num_queries: int
    pristine: Dict[str, torch.Tensor]

    def restore(self) -> None:
        for name, value in self.pristine.items():
            self.tensors[name].copy_(value)


def _block_table(gen: torch.Generator, seqs: int) -> torch.Tensor:
    return torch.randint(0, 1 << 20, (seqs, TABLE_WIDTH), generator=gen, dtype=torch.int32)


def make_v1(n: int, seed: int) -> Case:
    """N = n query rows and one padding row, as CANN's V1 asks (num_seqs > num_queries)."""
    gen = torch.Generator().manual_seed(seed)
    rows = n + 1
    t = {
        "input_tokens": torch.zeros(rows, dtype=torch.int64),
        "sampled_token_ids": torch.randint(0, 32000, (n, 1), generator=gen, dtype=torch.int64),
        "input_positions": torch.zeros(rows, dtype=torch.int64),
        "seq_lens": torch.randint(1, MAX_INITIAL_POSITION, (rows,), generator=gen, dtype=torch.int32),
        "slot_mapping": torch.zeros(rows, dtype=torch.int64),
        "block_tables": _block_table(gen, rows),
    }
    t = {k: v.cuda() for k, v in t.items()}
    return Case(t, rows, n, {"seq_lens": t["seq_lens"].clone()})


def make_v2(n: int, seed: int) -> Case:
    """n sequences of E = DRAFTS + 1 cells; some sampled tokens rejected (-1), never the first."""
    gen = torch.Generator().manual_seed(seed)
    cells = n * (DRAFTS + 1)
    sampled = torch.randint(0, 32000, (n, DRAFTS + 1), generator=gen, dtype=torch.int64)
    cut = torch.randint(1, DRAFTS + 2, (n, 1), generator=gen)
    sampled[torch.arange(DRAFTS + 1).unsqueeze(0) >= cut] = -1
    t = {
        "input_tokens": torch.zeros(cells, dtype=torch.int64),
        "sampled_token_ids": sampled,
        "input_positions": torch.randint(0, MAX_INITIAL_POSITION, (cells,), generator=gen, dtype=torch.int64),
        "seq_lens": torch.zeros(cells, dtype=torch.int32),
        "slot_mapping": torch.zeros(cells, dtype=torch.int64),
        "block_tables": _block_table(gen, n),
        "spec_token": torch.randint(0, 32000, (n, DRAFTS), generator=gen, dtype=torch.int64),
        "accepted_num": torch.randint(0, DRAFTS + 1, (n,), generator=gen, dtype=torch.int64),
    }
    t = {k: v.cuda() for k, v in t.items()}
    return Case(t, n, n, {"input_positions": t["input_positions"].clone()})


def advstep_v1(c: Case) -> None:
    t = c.tensors
    torch.ops.advstep.advance_step(t["input_tokens"], t["sampled_token_ids"], t["input_positions"], t["seq_lens"],
                                   t["slot_mapping"], t["block_tables"], c.num_seqs, c.num_queries, BLOCK_SIZE)


def advstep_v2(c: Case) -> None:
    t = c.tensors
    torch.ops.advstep.advance_step(t["input_tokens"], t["sampled_token_ids"], t["input_positions"], t["seq_lens"],
                                   t["slot_mapping"], t["block_tables"], c.num_seqs, c.num_queries, BLOCK_SIZE,
                                   spec_token=t["spec_token"], accepted_num=t["accepted_num"])


def triton_v1(c: Case) -> None:
    t = c.tensors
    grid = (triton.cdiv(c.num_seqs, ROWS_PER_PROGRAM),)
    _decode_step[grid](t["input_tokens"], t["sampled_token_ids"], t["input_positions"], t["seq_lens"],
                       t["slot_mapping"], t["block_tables"], t["block_tables"].stride(0), c.num_queries, c.num_seqs,
                       KV_BLOCK=BLOCK_SIZE, ROWS=ROWS_PER_PROGRAM)


def triton_v2(c: Case) -> None:
    t = c.tensors
    cells = t["input_positions"].numel()
    grid = (triton.cdiv(cells, ROWS_PER_PROGRAM),)
    _speculative_step[grid](t["input_tokens"], t["sampled_token_ids"], t["input_positions"], t["seq_lens"],
                            t["slot_mapping"], t["block_tables"], t["block_tables"].stride(0), t["spec_token"],
                            t["accepted_num"], cells, KV_BLOCK=BLOCK_SIZE, CELLS=ROWS_PER_PROGRAM,
                            TOKENS=DRAFTS + 1)


def empty_launch(c: Case) -> None:
    _empty[(1,)](c.tensors["input_tokens"])


@dataclass
class Variant:
    make: Callable[[int, int], Case]
    ours: Callable[[Case], None]
    peer: Callable[[Case], None]
    steps_before_restore: int  # steps that stay inside the block tables


#: The variants timed. The FlashInfer variant joins here once advstep has it: its case maker, the
#: advstep call (torch.ops.advstep.advance_step_flashinfer) and a Triton peer written the way a
#: FlashInfer metadata builder prepares its step, with ``--variants v1,v2,flashinfer`` in
#: scripts/gpu_check.sh.
VARIANTS: Dict[str, Variant] = {
    "v1": Variant(make_v1, advstep_v1, triton_v1, steps_before_restore=100),
    "v2": Variant(make_v2, advstep_v2, triton_v2, steps_before_restore=40),
}


def cross_check(variant: Variant, n: int) -> None:
    ours, peer = variant.make(n, 7), variant.make(n, 7)
    for _ in range(3):
        variant.ours(ours)
        variant.peer(peer)
    torch.cuda.synchronize()
    for name, value in ours.tensors.items():
        if not torch.equal(value, peer.tensors[name]):
            raise SystemExit(f"advstep and the Triton peer disagree on {name} at N={n}")


def time_step(call: Callable[[Case], None], case: Case, steps: int, restore_every: int) -> float:
    """Median wall-clock microseconds of one call plus the stream synchronisation."""
    stream = torch.cuda.current_stream()
    samples: List[float] = []
    for k in range(steps + 5):
        if k % restore_every == 0:
            case.restore()
            stream.synchronize()
        start = time.perf_counter()
        call(case)
        stream.synchronize()
        if k >= 5:
            samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)


def time_back_to_back(call: Callable[[Case], None], case: Case, calls: int) -> float:
    """CUDA-event microseconds per call over ``calls`` calls enqueued without waiting."""
    case.restore()
    call(case)
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    for _ in range(calls):
        call(case)
    end.record()
    end.synchronize()
    return begin.elapsed_time(end) * 1e3 / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default="v1,v2")
    parser.add_argument("--max-log2", type=int, default=20)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--markdown", help="also write the tables to this file")
    args = parser.parse_args()
    if not torch.cuda.is_available() or not advstep.device_available("cuda"):
        print("triton_peer: needs a GPU and advstep built with its CUDA backend", file=sys.stderr)
        return 77
    names = args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        print(f"triton_peer: unknown variant(s) {unknown} (expected some of {sorted(VARIANTS)})", file=sys.stderr)
        return 2
    gpu = torch.cuda.get_device_name()
    lines = [f"Triton peer against advstep's torch op on {gpu} (torch {torch.__version__}, triton "
             f"{triton.__version__}); step = call + stream synchronisation, wall clock, median of {args.steps}; "
             "b2b = CUDA-event time per call enqueued back to back; times in microseconds.", ""]
    for name in names:
        variant = VARIANTS[name]
        lines += [f"**{name}**", "",
                  "| N | advstep step | Triton step | empty step | advstep/Triton | advstep/empty "
                  "| advstep b2b | Triton b2b | empty b2b |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for log2 in range(0, args.max_log2 + 1, 2):
            n = 1 << log2
            cross_check(variant, n)
            case = variant.make(n, 11)
            step = {label: time_step(call, case, args.steps, variant.steps_before_restore)
                    for label, call in (("ours", variant.ours), ("peer", variant.peer), ("empty", empty_launch))}
            calls = min(variant.steps_before_restore - 1, 50)
            b2b = {label: time_back_to_back(call, case, calls)
                   for label, call in (("ours", variant.ours), ("peer", variant.peer), ("empty", empty_launch))}
            row = (f"| {n} | {step['ours']:.1f} | {step['peer']:.1f} | {step['empty']:.1f} | "
                   f"{step['ours'] / step['peer']:.2f} | {step['ours'] / step['empty']:.2f} | "
                   f"{b2b['ours']:.1f} | {b2b['peer']:.1f} | {b2b['empty']:.1f} |")
            lines.append(row)
            print(row, flush=True)
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
