#!/usr/bin/env python3
"""advstep from Python: one decode step (V1) and one speculative-decoding step (V2) on numpy arrays.

Run it with the package installed (scripts/run_example.sh or `pip install .`):

    build/venv/bin/python examples/python_advance_step.py
"""

import numpy as np

import advstep


def decode_step() -> bool:
    # 3 running sequences in a batch padded to 4 rows; KV blocks of 4 tokens, 2 blocks per sequence.
    num_seqs, num_queries, block_size = 4, 3, 4
    input_tokens = np.zeros(num_seqs, dtype=np.int64)
    sampled_token_ids = np.array([[11], [12], [13]], dtype=np.int64)  # one new token per sequence
    input_positions = np.zeros(num_seqs, dtype=np.int64)
    seq_lens = np.array([3, 5, 0, 0], dtype=np.int64)  # tokens each sequence holds so far
    slot_mapping = np.zeros(num_seqs, dtype=np.int64)
    block_tables = np.array([[7, 8], [2, 9], [4, 5], [0, 0]], dtype=np.int64)

    advstep.advance_step(input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping,
                         block_tables, num_seqs, num_queries, block_size)

    print("decode step")
    print("  input_tokens   ", input_tokens.tolist())
    print("  input_positions", input_positions.tolist())
    print("  seq_lens       ", seq_lens.tolist())
    print("  slot_mapping   ", slot_mapping.tolist())
    # Sequence 1 is at position 5: block 5 // 4 = 1 of its row, id 9, so slot 9 * 4 + 5 % 4 = 37.
    return (input_tokens.tolist() == [11, 12, 13, 0] and input_positions.tolist() == [3, 5, 0, 0]
            and seq_lens.tolist() == [4, 6, 1, 0] and slot_mapping.tolist() == [31, 37, 16, -1])


def speculative_step() -> bool:
    # 2 sequences, S = 2 draft tokens each (E = 3 cells per sequence); -1 marks a rejected draft.
    num_seqs, block_size = 2, 4
    input_tokens = np.zeros(6, dtype=np.int64)
    sampled_token_ids = np.array([[21, 22, -1], [31, 32, 33]], dtype=np.int64)
    input_positions = np.array([4, 5, 6, 1, 2, 3], dtype=np.int64)
    seq_lens = np.zeros(6, dtype=np.int64)
    slot_mapping = np.zeros(6, dtype=np.int64)
    block_tables = np.array([[3, 6, 1], [2, 8, 0]], dtype=np.int64)
    spec_token = np.array([[41, 42], [51, 52]], dtype=np.int64)  # the next drafts
    accepted_num = np.array([1, 2], dtype=np.int64)  # drafts accepted this step

    advstep.advance_step(input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping,
                         block_tables, num_seqs, num_seqs, block_size,
                         spec_token=spec_token, accepted_num=accepted_num)

    print("speculative step")
    print("  input_tokens   ", input_tokens.tolist())
    print("  input_positions", input_positions.tolist())
    print("  seq_lens       ", seq_lens.tolist())
    print("  slot_mapping   ", slot_mapping.tolist())
    return (input_tokens.tolist() == [22, 41, 42, 33, 51, 52] and input_positions.tolist() == [6, 7, 8, 4, 5, 6]
            and seq_lens.tolist() == [7, 8, 9, 5, 6, 7] and slot_mapping.tolist() == [26, 27, 4, 32, 33, 34])


def refused_call() -> bool:
    # A bad argument raises advstep.ArgumentError with CANN's status code; nothing is modified.
    tokens = np.zeros(4, dtype=np.int64)
    try:
        advstep.advance_step(tokens, np.zeros((3, 1), np.int64), np.zeros(4, np.int64), np.zeros(3, np.int64),
                             np.zeros(4, np.int64), np.zeros((4, 2), np.int64), 4, 3, 4)
    except advstep.ArgumentError as error:
        print(f"refused ({error.code}): {error}")
        return error.code == 561002
    return False


if __name__ == "__main__":
    ok = decode_step() & speculative_step() & refused_call()
    print("matches the expected values" if ok else "does NOT match the expected values")
    raise SystemExit(0 if ok else 1)
