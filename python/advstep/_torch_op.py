"""torch.ops.advstep.advance_step: the operator as a PyTorch custom op (torch >= 2.4).

The schema is torch_npu's ``npu_advance_step_flashattn`` schema, with its mutation annotations, so
``torch.compile`` functionalises the call; the fake implementation lets tracing run without touching
data. CUDA tensors run on the current stream, which is what CUDA-graph capture records: while that
stream is being captured the op only enqueues its kernels (each captured launch keeping a fault
record of its own), and ``advstep.check_cuda_faults()`` reports a replay's data fault later; outside
a capture it synchronises the stream and raises a data fault at the call. The real implementation
hands the tensors to the extension as DLPack capsules.
"""

from __future__ import annotations

from typing import Any, Optional

import torch
from torch.utils.dlpack import to_dlpack

from ._launch import _int64, run

if not hasattr(torch.library, "register_fake"):
    raise ImportError(f"torch {torch.__version__} has no torch.library.register_fake (needs 2.4 or newer)")

#: torch_npu.npu_advance_step_flashattn's schema, keyword-only optionals included, and advstep's
#: semantics keywords (defaults: torch_npu's behaviour on vLLM's formula). ascend_cores is a Scalar,
#: not an int: the dispatcher turns a bool given for an ``int?`` into 0 or 1, so ``ascend_cores=True``
#: would run one core; a Scalar keeps the bool (and a float) for the check that refuses it.
SCHEMA = (
    "advance_step(Tensor(a!) input_tokens, Tensor sampled_token_ids, Tensor(b!) input_positions, "
    "Tensor(c!) seq_lens, Tensor(d!) slot_mapping, Tensor block_tables, int num_seqs, "
    "int num_queries, int block_size, *, Tensor? spec_token=None, Tensor? accepted_num=None, "
    'str semantics="vllm", Scalar? ascend_cores=None, str block_bound="table") -> ()'
)


def _advance_step(
    input_tokens: torch.Tensor,
    sampled_token_ids: torch.Tensor,
    input_positions: torch.Tensor,
    seq_lens: torch.Tensor,
    slot_mapping: torch.Tensor,
    block_tables: torch.Tensor,
    num_seqs: int,
    num_queries: int,
    block_size: int,
    *,
    spec_token: Optional[torch.Tensor] = None,
    accepted_num: Optional[torch.Tensor] = None,
    semantics: str = "vllm",
    ascend_cores: Any = None,
    block_bound: str = "table",
) -> None:
    """advstep.advance_step on torch tensors (CPU, or CUDA on the current stream), in place.

    The keywords are checked as advstep.advance_step checks them (ArgumentError, 161002): a bool
    or a float for ascend_cores is refused, not taken as a core count.
    """
    # to_dlpack hands the extension a capsule directly: several times faster than __dlpack__().
    arrays = (
        to_dlpack(input_tokens), to_dlpack(sampled_token_ids), to_dlpack(input_positions),
        to_dlpack(seq_lens), to_dlpack(slot_mapping), to_dlpack(block_tables),
    )
    spec = None if spec_token is None else to_dlpack(spec_token)
    accepted = None if accepted_num is None else to_dlpack(accepted_num)
    chosen = {"semantics": semantics, "ascend_cores": ascend_cores, "block_bound": block_bound}
    if not input_tokens.is_cuda:
        run(arrays, num_seqs, num_queries, block_size, spec, accepted, **chosen)
        return
    with torch.cuda.device(input_tokens.device):
        stream = torch.cuda.current_stream().cuda_stream
        # A capture cannot wait for its stream: enqueue only, and leave faults to check_cuda_faults().
        synchronous = not torch.cuda.is_current_stream_capturing()
        run(arrays, num_seqs, num_queries, block_size, spec, accepted, stream=stream, synchronous=synchronous,
            **chosen)


def _advance_step_fake(
    input_tokens: torch.Tensor,
    sampled_token_ids: torch.Tensor,
    input_positions: torch.Tensor,
    seq_lens: torch.Tensor,
    slot_mapping: torch.Tensor,
    block_tables: torch.Tensor,
    num_seqs: int,
    num_queries: int,
    block_size: int,
    *,
    spec_token: Optional[torch.Tensor] = None,
    accepted_num: Optional[torch.Tensor] = None,
    semantics: str = "vllm",
    ascend_cores: Any = None,
    block_bound: str = "table",
) -> None:
    """Nothing to infer: the operator only mutates its inputs, which keep their shapes."""
    return None


# torch.library.custom_op cannot declare keyword-only tensors, so the op is defined the lower-level
# way: the schema, one kernel per device, and the fake kernel for tracing.
_LIBRARY = torch.library.Library("advstep", "DEF")
_LIBRARY.define(SCHEMA)
_LIBRARY.impl("advance_step", _advance_step, "CPU")
_LIBRARY.impl("advance_step", _advance_step, "CUDA")
torch.library.register_fake("advstep::advance_step", _advance_step_fake, lib=_LIBRARY)


def all_tensors(required: tuple[Any, ...], optional: tuple[Any, ...]) -> bool:
    """True when every required argument is a torch.Tensor and each optional one is one or None."""
    return all(isinstance(a, torch.Tensor) for a in required) and all(
        a is None or isinstance(a, torch.Tensor) for a in optional
    )


def call(
    input_tokens: torch.Tensor,
    sampled_token_ids: torch.Tensor,
    input_positions: torch.Tensor,
    seq_lens: torch.Tensor,
    slot_mapping: torch.Tensor,
    block_tables: torch.Tensor,
    num_seqs: Any,
    num_queries: Any,
    block_size: Any,
    spec_token: Optional[torch.Tensor],
    accepted_num: Optional[torch.Tensor],
    semantics: str = "vllm",
    ascend_cores: Optional[int] = None,
    block_bound: str = "table",
) -> None:
    """Runs torch.ops.advstep.advance_step (visible to torch.compile as one opaque, mutating op).

    The keywords were checked by the caller (advstep.advance_step), so the schema never rejects them.
    """
    torch.ops.advstep.advance_step(
        input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables,
        _int64("num_seqs", num_seqs), _int64("num_queries", num_queries), _int64("block_size", block_size),
        spec_token=spec_token, accepted_num=accepted_num,
        semantics=semantics, ascend_cores=ascend_cores, block_bound=block_bound,
    )

# The FlashInfer variant's op, in a module of its own.
from . import _torch_flashinfer  # noqa: E402,F401

# The prepare step's three operations, in a module of their own.
from . import _torch_prepare_step  # noqa: E402,F401
