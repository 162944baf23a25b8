"""Times advance_step's peers on the cases of bench/advstep_bench: numpy (how vLLM V1 prepares
these inputs on the CPU), PyTorch on the CPU (vllm-ascend's and omni-infer's fallback formulas),
and advstep's own Python API. Same values as the C++ side (splitmix64 of the element index), same
reset rule (the consumed input is restored every RESET_EVERY calls, outside the timing).

Usage: peers.py --cases CPP_JSON --impl numpy,advstep --out PY_JSON
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time

import numpy as np

RESET_EVERY = 32  # bench/workload.hpp kResetEvery
SPEC_NUM = 3
VOCABULARY = 32000
BLOCKS = 1 << 20
POSITION_STREAM, TOKEN_STREAM, ACCEPTED_STREAM, BLOCK_STREAM = 1, 2, 3, 4
TIME_BUDGET_S = 0.25  # per implementation and case
MAX_BLOCKS = 200
M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise on uint64 (wrapping), as bench/workload.cpp."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def draw(stream: int, index: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return mix(index.astype(np.uint64) + np.uint64(stream << 32))


class Workload:
    """The tensors of one case, as numpy arrays, equal to bench/workload.cpp's."""

    def __init__(self, version: int, n: int, block_size: int, width: int):
        self.version, self.n, self.block_size, self.width = version, n, block_size, width
        s = SPEC_NUM
        e = 1 if version == 1 else s + 1
        self.e = e
        self.num_seqs = n + 1 if version == 1 else n
        self.num_queries = n
        cells = n + 1 if version == 1 else n * e
        capacity = width * block_size
        step = 1 if version == 1 else s + 1
        headroom = RESET_EVERY * step + (e - 1) + 1
        i = np.arange(n, dtype=np.int64)
        pos = (draw(POSITION_STREAM, i) % np.uint64(capacity - headroom)).astype(np.int64)
        self.input_tokens = np.zeros(cells, np.int64)
        self.input_positions = np.zeros(cells, np.int64)
        self.seq_lens = np.ones(cells, np.int64)
        self.slot_mapping = np.zeros(cells, np.int64)
        # np.zeros maps untouched pages lazily, as aclrtMalloc does: a 2 GiB table costs only the
        # pages a step reaches.
        self.block_tables = np.zeros((self.num_seqs, width), np.int64)
        if version == 1:
            self.seq_lens[:n] = pos
            self.sampled_token_ids = (draw(TOKEN_STREAM, i) % np.uint64(VOCABULARY)).astype(np.int64).reshape(n, 1)
            self.spec_token = self.accepted_num = None
        else:
            accepted = (draw(ACCEPTED_STREAM, i) % np.uint64(e)).astype(np.int64)
            self.accepted_num = accepted
            j = np.arange(e, dtype=np.int64)
            self.input_positions[:] = (pos[:, None] + j[None, :]).ravel()
            k = i[:, None] * e + j[None, :]
            tokens = (draw(TOKEN_STREAM, k) % np.uint64(VOCABULARY)).astype(np.int64)
            self.sampled_token_ids = np.where(j[None, :] <= accepted[:, None], tokens, -1)
            spec_index = (n + i[:, None]) * e + np.arange(s, dtype=np.int64)[None, :]
            self.spec_token = (draw(TOKEN_STREAM, spec_index) % np.uint64(VOCABULARY)).astype(np.int64)
        first = pos // block_size
        last = np.minimum(width - 1, (pos + headroom) // block_size)
        flat = self.block_tables.reshape(-1)
        for d in range(int((last - first).max()) + 1):
            b = first + d
            rows = np.nonzero(b <= last)[0]
            index = rows * width + b[rows]
            flat[index] = (draw(BLOCK_STREAM, index) % np.uint64(BLOCKS)).astype(np.int64)
        self.consumed = self.seq_lens if version == 1 else self.input_positions
        self.initial = self.consumed.copy()

    def reset(self) -> None:
        np.copyto(self.consumed, self.initial)


# ---- numpy: vLLM V1's CPU input preparation (gpu_model_runner._prepare_inputs, BlockTable) -----

def numpy_impl(w: Workload):
    nq, b, e = w.num_queries, w.block_size, w.e
    bt_flat = w.block_tables.reshape(-1)
    # vLLM keeps these index buffers across steps (arange_np, req_indices), so they are built once.
    row_starts = np.arange(w.n, dtype=np.int64) * w.width
    if w.version == 1:
        def step():
            positions = w.seq_lens[:nq].copy()
            w.input_tokens[:nq] = w.sampled_token_ids[:, 0]
            w.input_positions[:nq] = positions
            np.add(positions, 1, out=w.seq_lens[:nq])
            block_numbers = bt_flat[row_starts + positions // b]
            np.add(block_numbers * b, positions % b, out=w.slot_mapping[:nq])
            w.input_tokens[nq:] = 0
            w.input_positions[nq:] = 0
            w.slot_mapping[nq:] = -1
        return step

    rows = np.arange(w.n, dtype=np.int64)

    def step_spec():
        positions = w.input_positions.reshape(w.n, e)
        positions += (w.accepted_num + 1)[:, None]
        np.add(w.input_positions, 1, out=w.seq_lens)
        rejected = w.sampled_token_ids == -1
        first_rejected = np.where(rejected.any(axis=1), rejected.argmax(axis=1), e)
        tokens = w.input_tokens.reshape(w.n, e)
        tokens[:, 0] = w.sampled_token_ids[rows, first_rejected - 1]
        tokens[:, 1:] = w.spec_token
        block_numbers = bt_flat[row_starts[:, None] + positions // b]
        np.add(block_numbers * b, positions % b, out=w.slot_mapping.reshape(w.n, e))
    return step_spec


# ---- PyTorch on the CPU: vllm-ascend's AscendMetadata.advance_step fallback (V1) and omni-infer's
# advance_step_spec (V2), with the padding writes the contract asks for ---------------------------

def torch_impl(w: Workload):
    import torch
    t = {name: torch.from_numpy(getattr(w, name)) for name in
         ("input_tokens", "sampled_token_ids", "input_positions", "seq_lens", "slot_mapping", "block_tables")}
    nq, b, e = w.num_queries, w.block_size, w.e
    if w.version == 1:
        def step():
            t["input_tokens"][:nq] = t["sampled_token_ids"][:nq].squeeze(-1)
            next_seq_len = t["seq_lens"][:nq] + 1
            next_input_pos = next_seq_len - 1
            t["seq_lens"][:nq] = next_seq_len
            t["input_positions"][:nq] = next_input_pos
            block_idx = next_input_pos // b
            block_offset = next_input_pos % b
            current_block_table = t["block_tables"].gather(1, block_idx.unsqueeze(-1)).squeeze(-1)
            t["slot_mapping"][:nq] = current_block_table * b + block_offset
            t["input_tokens"][nq:] = 0
            t["input_positions"][nq:] = 0
            t["slot_mapping"][nq:] = -1
        return step

    spec = torch.from_numpy(w.spec_token)
    accepted = torch.from_numpy(w.accepted_num)
    end_column = torch.full((w.n, 1), -1, dtype=torch.int64)
    rows = torch.arange(w.n)

    def step_spec():
        positions = t["input_positions"].view(w.n, e)
        positions += (accepted + 1).unsqueeze(1)
        t["seq_lens"].copy_(t["input_positions"] + 1)
        last_index = torch.argmin(torch.cat([t["sampled_token_ids"], end_column], dim=1), dim=1) - 1
        tokens = t["input_tokens"].view(w.n, e)
        tokens[:, 0] = t["sampled_token_ids"][rows, last_index]
        tokens[:, 1:] = spec
        block_numbers = t["block_tables"].gather(1, positions // b)
        t["slot_mapping"].view(w.n, e).copy_(block_numbers * b + positions % b)
    return step_spec


# ---- advstep's Python API, torch_npu's argument order --------------------------------------------

def advstep_impl(w: Workload):
    import advstep
    args = (w.input_tokens, w.sampled_token_ids, w.input_positions, w.seq_lens, w.slot_mapping, w.block_tables,
            w.num_seqs, w.num_queries, w.block_size)
    if w.version == 1:
        return lambda: advstep.advance_step(*args)
    return lambda: advstep.advance_step(*args, spec_token=w.spec_token, accepted_num=w.accepted_num)


IMPLEMENTATIONS = {"numpy": numpy_impl, "torch": torch_impl, "advstep": advstep_impl}


def time_case(w: Workload, step, key: str) -> dict:
    """Blocks of calls timed together, the state restored between blocks; the median block gives the
    figure (the best is kept too, as min_ns). Blocks are shorter for slow calls so a case stays within
    TIME_BUDGET_S."""
    w.reset()
    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    calls_per_block = max(1, min(RESET_EVERY, int(0.01 / max(first, 1e-9))))
    per_call = []
    spent = 0.0
    while (spent < TIME_BUDGET_S or len(per_call) < 3) and len(per_call) < MAX_BLOCKS:
        w.reset()
        start = time.perf_counter_ns()
        for _ in range(calls_per_block):
            step()
        elapsed = time.perf_counter_ns() - start
        per_call.append(elapsed / calls_per_block)
        spent += elapsed * 1e-9
    return {"key": key, "ns_per_call": statistics.median(per_call), "min_ns": min(per_call),
            "blocks": len(per_call), "calls_per_block": calls_per_block}


def outputs(w: Workload):
    return [a.copy() for a in (w.input_tokens, w.input_positions, w.seq_lens, w.slot_mapping)]


def cross_check(impls) -> list[str]:
    """Every implementation, one step on the same small cases, must give identical outputs."""
    notes = []
    for version, n, b in ((1, 300, 16), (2, 300, 48)):
        results = {}
        for name, make in impls.items():
            w = Workload(version, n, b, 16)
            make(w)()
            results[name] = outputs(w)
        names = list(results)
        for name in names[1:]:
            if not all(np.array_equal(x, y) for x, y in zip(results[names[0]], results[name])):
                notes.append(f"v{version}: {name} disagrees with {names[0]}")
    return notes


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", required=True, help="the C++ benchmark's JSON output")
    parser.add_argument("--impl", required=True, help="comma-separated: numpy, torch, advstep")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.cases) as f:
        cpp = json.load(f)
    pattern = re.compile(r"^c_api/(v(\d)/n=(\d+)/b=(\d+)/w=(\d+))")
    cases = []
    for entry in cpp["benchmarks"]:
        match = pattern.match(entry["name"])
        if match and match.group(1) not in [c[0] for c in cases]:
            cases.append((match.group(1), *map(int, match.groups()[1:])))
    impls = {name: IMPLEMENTATIONS[name] for name in args.impl.split(",") if name}
    notes = cross_check(impls)
    results = []
    for key, version, n, b, width in cases:
        w = Workload(version, n, b, width)
        for name, make in impls.items():
            result = time_case(w, make(w), key)
            result["impl"] = name
            results.append(result)
            print(f"{name:8s} {key:28s} {result['min_ns']:14.0f} ns", flush=True)
        del w
    versions = {"python": sys.version.split()[0], "numpy": np.__version__}
    if "torch" in impls:
        import torch
        versions["torch"] = torch.__version__
        versions["torch_threads"] = torch.get_num_threads()
        versions["torch_python"] = sys.version.split()[0]
    with open(args.out, "w") as f:
        json.dump({"results": results, "versions": versions, "notes": notes}, f, indent=1)
    for note in notes:
        print("cross-check:", note, file=sys.stderr)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
