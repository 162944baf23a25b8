"""Times advstep.advance_step_flashinfer against a numpy peer written as vLLM's FlashInfer metadata
builder prepares the same tensors on the host (decode step, then block_table_bound, last page
lengths, the indptr prefix sum and the CSR page list), side by side, with the ratio.

Both run on the same seeded batch (int32 metadata and tables, as vLLM holds them); seq_lens is
restored before every call, outside the timing. Each result is checked against the other first.

Usage: flashinfer_peers.py [--sizes 8,64,512,4096] [--block-size 16] [--width 128] [--seconds 0.25]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import advstep


def make_batch(n: int, block_size: int, width: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = n - n // 8  # an eighth of the batch is CUDA-graph padding
    seq_lens = rng.integers(0, width * block_size - 1, n).astype(np.int32)
    return {
        "q": np.int64(q),
        "input_tokens": np.zeros(n, np.int64),
        "sampled_token_ids": rng.integers(0, 32000, (n, 1)).astype(np.int64),
        "input_positions": np.zeros(n, np.int64),
        "seq_lens": seq_lens,
        "slot_mapping": np.zeros(n, np.int64),
        "block_tables": rng.integers(0, 1 << 20, (n, width)).astype(np.int32),
        "paged_kv_indices": np.zeros(n * width, np.int32),
        "paged_kv_indptr": np.zeros(n + 1, np.int32),
        "paged_kv_last_page_len": np.zeros(n, np.int32),
        "block_table_bound": np.zeros(n, np.int32),
    }


def numpy_peer(n: int, q: int, b: int, t: dict[str, np.ndarray]) -> None:
    """The decode step and FlashInfer's metadata with numpy, the host-side way vLLM builds them."""
    pos = t["seq_lens"][:q].astype(np.int64)
    rows = np.arange(q)
    t["input_tokens"][:q] = t["sampled_token_ids"][:q, 0]
    t["input_positions"][:q] = pos
    t["seq_lens"][:q] = pos + 1
    t["slot_mapping"][:q] = t["block_tables"][rows, pos // b].astype(np.int64) * b + pos % b
    t["input_tokens"][q:] = 0
    t["input_positions"][q:] = 0
    t["slot_mapping"][q:] = -1
    bound = pos // b + 1
    t["block_table_bound"][:q] = bound
    t["paged_kv_last_page_len"][:q] = pos % b + 1
    t["paged_kv_indptr"][0] = 0
    np.cumsum(bound, out=t["paged_kv_indptr"][1 : q + 1], dtype=np.int32)
    t["paged_kv_indptr"][q + 1 :] = t["paged_kv_indptr"][q]
    pages = t["block_tables"][:q][np.arange(t["block_tables"].shape[1])[None, :] < bound[:, None]]
    t["paged_kv_indices"][: pages.size] = pages


def advstep_call(n: int, q: int, b: int, t: dict[str, np.ndarray]) -> None:
    advstep.advance_step_flashinfer(
        n, q, b, t["input_tokens"], t["sampled_token_ids"], t["input_positions"], t["seq_lens"],
        t["slot_mapping"], t["block_tables"], t["paged_kv_indices"], t["paged_kv_indptr"],
        t["paged_kv_last_page_len"], t["block_table_bound"])


def time_calls(run, n: int, q: int, b: int, t: dict[str, np.ndarray], seconds: float) -> float:
    """Median microseconds per call; seq_lens restored before each call, outside the timing."""
    original = t["seq_lens"].copy()
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 20:
        np.copyto(t["seq_lens"], original)
        start = time.perf_counter()
        run(n, q, b, t)
        samples.append(time.perf_counter() - start)
    np.copyto(t["seq_lens"], original)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="8,64,512,4096")
    parser.add_argument("--block-size", type=int, default=16)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=0.25)
    args = parser.parse_args()
    print("| N | Q | numpy peer (us) | advstep (us) | numpy / advstep |")
    print("|---:|---:|---:|---:|---:|")
    for n in (int(x) for x in args.sizes.split(",")):
        mine = make_batch(n, args.block_size, args.width)
        theirs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in mine.items()}
        q = int(mine["q"])
        advstep_call(n, q, args.block_size, mine)
        numpy_peer(n, q, args.block_size, theirs)
        for name, array in mine.items():
            assert np.array_equal(array, theirs[name]), f"{name} differs at N={n}"
        fresh = make_batch(n, args.block_size, args.width)
        peer = time_calls(numpy_peer, n, q, args.block_size, fresh, args.seconds)
        ours = time_calls(advstep_call, n, q, args.block_size, make_batch(n, args.block_size, args.width),
                          args.seconds)
        print(f"| {n} | {q} | {peer:.1f} | {ours:.1f} | {peer / ours:.1f}x |")


if __name__ == "__main__":
    main()
