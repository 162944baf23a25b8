"""advstep.advance_step_flashinfer: vLLM's FlashInfer form of the step (spec section 9)."""

from __future__ import annotations

import sys
from typing import Any, Optional

from ._launch import launch_flashinfer, run_flashinfer


def advance_step_flashinfer(
    num_seqs: int,
    num_queries: int,
    block_size: int,
    input_tokens: Any,
    sampled_token_ids: Any,
    input_positions: Any,
    seq_lens: Any,
    slot_mapping: Any,
    block_tables: Any,
    paged_kv_indices: Any,
    paged_kv_indptr: Any,
    paged_kv_last_page_len: Any,
    block_table_bound: Any,
    *,
    stream: Optional[int] = None,
) -> None:
    """Advance every sequence by one decode step and rebuild FlashInfer's paged-KV metadata, in place.

    vLLM's ``advance_step_flashinfer``, in its argument order. N = ``num_seqs``, Q = ``num_queries``,
    B = ``block_size``, W = ``block_tables`` row length, C = ``paged_kv_indices`` length.

    Each query row q < Q with ``pos = seq_lens[q]`` (read before any write) gets the decode step of
    ``advance_step`` (token, position, length + 1, slot ``block_tables[q, pos // B] * B + pos % B``)
    and ``paged_kv_last_page_len[q] = pos % B + 1``, ``block_table_bound[q] = pos // B + 1``,
    ``paged_kv_indptr[0] = 0``, ``paged_kv_indptr[q + 1] = bound[0] + ... + bound[q]``, and
    ``paged_kv_indices[indptr[q] + c] = block_tables[q, c]`` for c < bound[q]. Padding rows
    Q <= t < N get tokens 0, positions 0, slots -1 and ``paged_kv_indptr[t + 1] = paged_kv_indptr[Q]``;
    their ``paged_kv_last_page_len`` and ``block_table_bound`` are left as they were, as are the
    elements of ``paged_kv_indices`` past ``paged_kv_indptr[Q]``. vLLM's semantics only.

    Parameters
    ----------
    num_seqs, num_queries, block_size : int
        N (1 <= N < 200000000), Q (1 <= Q <= N), B (>= 1).
    input_tokens : array, int64, [N] or [N, 1]
        Mutated: the next step's input tokens.
    sampled_token_ids : array, int32 or int64, [Q', 1] or [Q'] with Q' >= Q
        The sampled tokens (its first Q are read); may be ``input_tokens`` itself, as vLLM passes it.
    input_positions : array, int64, [N] or [N, 1]
        Mutated: each token's position.
    seq_lens : array, int32 or int64, [N] or [N, 1]
        Mutated: sequence lengths, advanced by one for query rows.
    slot_mapping : array, int64, [N] or [N, 1]
        Mutated: each token's KV-cache slot; -1 for padding rows.
    block_tables : array, int32 or int64, [N, W]
        Read only.
    paged_kv_indices : array, int32 or int64, [C]
        Mutated: the pages of every query row, back to back.
    paged_kv_indptr : array, int32 or int64, [N + 1]
        Mutated: where each row's pages start in ``paged_kv_indices``.
    paged_kv_last_page_len : array, int32 or int64, [N]
        Mutated (query rows): tokens in each row's last page, 1..B.
    block_table_bound : array, int32 or int64, [N]
        Mutated (query rows): pages each row spans.
    stream : int, optional
        A cudaStream_t for CUDA arrays; None (default) runs on the array library's current stream.

    Raises
    ------
    ArgumentError (a ValueError)
        A bad argument: dtype, shape, contiguity, overlapping outputs (sampled_token_ids may only be
        input_tokens itself), read-only output, device, the counts' rules (161001, 161002, 561002).
    DataFaultError (a RuntimeError)
        A value that cannot be advanced, with nothing written (code 507015): a negative length, a
        row whose pages pass its row of W blocks, a negative block id, pages that do not fit
        ``paged_kv_indices``, or a value that does not fit the int32 tensor it goes to.
    DeviceError (a RuntimeError)
        The CUDA device or stream failed (code 361001).
    TypeError
        An argument is not an array (or not an integer, for the counts).
    """
    arrays = (
        input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables,
        paged_kv_indices, paged_kv_indptr, paged_kv_last_page_len, block_table_bound,
    )
    counts = (num_seqs, num_queries, block_size)
    torch_op = sys.modules.get("advstep._torch_flashinfer")
    if stream is None and torch_op is not None and torch_op.all_tensors(arrays):
        torch_op.call(counts, arrays)
        return None
    if stream is not None:
        run_flashinfer(arrays, counts, stream=int(stream))
        return None
    launch_flashinfer(arrays, counts)
    return None
