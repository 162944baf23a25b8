"""torch.ops.advstep.advance_step_flashinfer: the FlashInfer step as a PyTorch custom op (torch >= 2.4).

vLLM's argument names and order; every tensor the step writes carries a mutation annotation, so
``torch.compile`` functionalises the call, and the fake implementation lets tracing run without data.
CUDA tensors run on the current stream (enqueue only while it is being captured, as
torch.ops.advstep.advance_step does). Registered by advstep._torch_op when torch is importable.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
from torch.utils.dlpack import to_dlpack

from ._launch import run_flashinfer

SCHEMA = (
    "advance_step_flashinfer(int num_seqs, int num_queries, int block_size, Tensor(a!) input_tokens, "
    "Tensor sampled_token_ids, Tensor(b!) input_positions, Tensor(c!) seq_lens, Tensor(d!) slot_mapping, "
    "Tensor block_tables, Tensor(e!) paged_kv_indices, Tensor(f!) paged_kv_indptr, "
    "Tensor(g!) paged_kv_last_page_len, Tensor(h!) block_table_bound) -> ()"
)


def _advance_step_flashinfer(num_seqs: int, num_queries: int, block_size: int, *tensors: torch.Tensor) -> None:
    """advstep.advance_step_flashinfer on torch tensors (CPU, or CUDA on the current stream), in place."""
    arrays = tuple(to_dlpack(t) for t in tensors)
    counts = (num_seqs, num_queries, block_size)
    input_tokens = tensors[0]
    if not input_tokens.is_cuda:
        run_flashinfer(arrays, counts)
        return
    with torch.cuda.device(input_tokens.device):
        stream = torch.cuda.current_stream().cuda_stream
        synchronous = not torch.cuda.is_current_stream_capturing()
        run_flashinfer(arrays, counts, stream=stream, synchronous=synchronous)


def _advance_step_flashinfer_fake(num_seqs: int, num_queries: int, block_size: int, *tensors: torch.Tensor) -> None:
    """Nothing to infer: the operator only mutates its inputs, which keep their shapes."""
    return None


_LIBRARY = torch.library.Library("advstep", "FRAGMENT")
_LIBRARY.define(SCHEMA)
_LIBRARY.impl("advance_step_flashinfer", _advance_step_flashinfer, "CPU")
_LIBRARY.impl("advance_step_flashinfer", _advance_step_flashinfer, "CUDA")
torch.library.register_fake("advstep::advance_step_flashinfer", _advance_step_flashinfer_fake, lib=_LIBRARY)


def all_tensors(arrays: tuple[Any, ...]) -> bool:
    """True when every argument is a torch.Tensor."""
    return all(isinstance(a, torch.Tensor) for a in arrays)


def call(counts: tuple[Any, Any, Any], arrays: tuple[torch.Tensor, ...]) -> None:
    """Runs torch.ops.advstep.advance_step_flashinfer (one opaque, mutating op to torch.compile)."""
    num_seqs, num_queries, block_size = (operator.index(c) for c in counts)
    torch.ops.advstep.advance_step_flashinfer(num_seqs, num_queries, block_size, *arrays)
