"""The built-in batch of ``advstep run``: two steps shaped like a vLLM server's.

- ``decode``: a decode step of 371 running sequences padded to a CUDA-graph batch of 384 rows,
  lengths from a few tokens to 32k (most short, a few long), 128-token KV blocks handed out from
  a shared pool of 64k blocks, each sequence's blocks distinct.
- ``speculative``: a speculative-decoding step (aclnnAdvanceStepV2) of 128 sequences with S = 3
  drafts, where 0 to 3 drafts were accepted per sequence and the rejected ones are -1 in
  sampledTokenIds.
"""

from __future__ import annotations

import numpy as np

from .case import Case

VOCABULARY = 151936
BLOCK_SIZE = 128
KV_BLOCKS = 65536


def _lengths(rng: np.random.Generator, count: int, longest: int) -> np.ndarray:
    """Sequence lengths, log-uniform between 1 and ``longest``: mostly short, a few very long."""
    return np.exp(rng.uniform(0.0, np.log(longest), size=count)).astype(np.int64).clip(1, longest - 1)


def _block_tables(rng: np.random.Generator, lengths: np.ndarray, rows: int, width: int) -> np.ndarray:
    """Row i holds the distinct pool blocks of sequence i, enough for lengths[i] + 1 tokens; the
    rest of the row and the padding rows are 0, as vLLM leaves them."""
    tables = np.zeros((rows, width), dtype=np.int64)
    needed = lengths // BLOCK_SIZE + 1
    pool = rng.permutation(KV_BLOCKS)
    start = 0
    for i, count in enumerate(needed.tolist()):
        tables[i, :count] = pool[start:start + count]
        start += count
    return tables


def decode_step(seed: int = 0) -> Case:
    rng = np.random.default_rng([seed, 1])
    rows, queries, longest = 384, 371, 32768
    lengths = _lengths(rng, queries, longest)
    width = longest // BLOCK_SIZE + 1
    seq_lens = np.zeros(rows, dtype=np.int64)
    seq_lens[:queries] = lengths
    tensors = {
        "inputTokens": rng.integers(0, VOCABULARY, size=rows, dtype=np.int64),
        "sampledTokenIds": rng.integers(0, VOCABULARY, size=(queries, 1), dtype=np.int64),
        "inputPositions": np.maximum(seq_lens - 1, 0),
        "seqLens": seq_lens,
        "slotMapping": np.full(rows, -1, dtype=np.int64),
        "blockTables": _block_tables(rng, lengths, rows, width),
    }
    return Case("decode", rows, queries, BLOCK_SIZE, tensors)


def speculative_step(seed: int = 0) -> Case:
    rng = np.random.default_rng([seed, 2])
    sequences, drafts, longest = 128, 3, 16384
    width_e = drafts + 1
    start = _lengths(rng, sequences, longest - 2 * width_e)
    accepted = rng.choice(np.arange(width_e), size=sequences, p=[0.3, 0.3, 0.25, 0.15]).astype(np.int64)
    sampled = rng.integers(0, VOCABULARY, size=(sequences, width_e), dtype=np.int64)
    sampled[np.arange(width_e)[None, :] > accepted[:, None]] = -1  # drafts after the first rejection
    positions = (start[:, None] + np.arange(width_e)[None, :]).reshape(-1)
    tensors = {
        "inputTokens": rng.integers(0, VOCABULARY, size=sequences * width_e, dtype=np.int64),
        "sampledTokenIds": sampled,
        "inputPositions": positions,
        "seqLens": positions + 1,
        "slotMapping": np.zeros(sequences * width_e, dtype=np.int64),
        "blockTables": _block_tables(rng, start + 2 * width_e, sequences, longest // BLOCK_SIZE + 1),
        "specToken": rng.integers(0, VOCABULARY, size=(sequences, drafts), dtype=np.int64),
        "acceptedNum": accepted,
    }
    return Case("speculative", sequences, sequences, BLOCK_SIZE, tensors)


def batch(seed: int = 0) -> list[Case]:
    return [decode_step(seed), speculative_step(seed)]
