"""advstep: vLLM's / CANN's advance_step for numpy, PyTorch and CuPy arrays.

After every decode step a serving engine turns the sampled tokens into the next step's inputs:
tokens, positions, sequence lengths and the KV-cache slot of each new token. ``advance_step`` does
that in place, with the signature of ``torch_npu.npu_advance_step_flashattn`` and vLLM's contract,
over the same C++ library as advstep's CANN C API and native C++ API.

Any array that speaks DLPack or the buffer protocol is accepted without a copy: numpy arrays and
torch CPU tensors always, torch CUDA tensors and CuPy arrays when advstep was built with CUDA
(``device_available("cuda")``); a DLPack capsule itself (consumed: a capsule is imported once);
ctypes arrays (nested ones for 2-D), memoryview, array.array. Read-only exporters (bytes, a
read-only memoryview or numpy array, a DLPack tensor flagged read-only) are accepted for the
inputs the operator only reads, and refused for the four it writes.

When torch (2.4 or newer) is installed, importing advstep also registers the operator
``torch.ops.advstep.advance_step`` (torch_npu's schema, with its mutation annotations) so that
``torch.compile`` traces calls on torch tensors as one operator.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from typing import Any, Optional

from . import _core
from ._errors import INVALID_ARGUMENT, ArgumentError, DataFaultError, DeviceError, Error
from ._launch import integer as _integer
from ._flashinfer import advance_step_flashinfer
from ._post_update import post_update
from ._advance_drafts import advance_drafts
from ._prepare_step import prepare_inputs
from ._launch import launch as _launch
from ._launch import options as _options

__all__ = [
    "ArgumentError",
    "DataFaultError",
    "DeviceError",
    "Error",
    "advance_drafts",
    "advance_step",
    "advance_step_flashinfer",
    "check_cuda_faults",
    "device_available",
    "post_update",
    "prepare_inputs",
]
__version__ = "0.1.0"


def advance_step(
    input_tokens: Any,
    sampled_token_ids: Any,
    input_positions: Any,
    seq_lens: Any,
    slot_mapping: Any,
    block_tables: Any,
    num_seqs: int,
    num_queries: int,
    block_size: int,
    *,
    spec_token: Optional[Any] = None,
    accepted_num: Optional[Any] = None,
    semantics: str = "vllm",
    ascend_cores: Optional[int] = None,
    block_bound: str = "table",
) -> None:
    """Advance every sequence by one decode step, in place.

    N = ``num_seqs``, Q = ``num_queries``, B = ``block_size``, W = ``block_tables`` row length,
    S = drafts per sequence (``spec_token.shape[1]``), E = S + 1.

    Without ``spec_token``/``accepted_num`` (vLLM's ``advance_step_flashattn``), for each query row
    i < Q with ``pos = seq_lens[i]``: ``input_tokens[i] = sampled_token_ids[i, 0]``,
    ``input_positions[i] = pos``, ``seq_lens[i] = pos + 1``,
    ``slot_mapping[i] = block_tables[i, pos // B] * B + pos % B``. Padding rows Q <= j < N get
    ``input_tokens[j] = 0``, ``input_positions[j] = 0``, ``slot_mapping[j] = -1``; ``seq_lens[j]`` is
    kept.

    With both (speculative decoding), for sequence i and column j < E, k = i*E + j:
    ``p = input_positions[k] + accepted_num[i] + 1``; ``input_positions[k] = p``;
    ``seq_lens[k] = p + 1``; ``slot_mapping[k] = block_tables[i, p // B] * B + p % B``;
    ``input_tokens[i*E]`` = the last token of ``sampled_token_ids[i]`` before its first -1 (its last
    column when it has none); ``input_tokens[i*E + 1 + s] = spec_token[i, s]``.

    Parameters
    ----------
    input_tokens : array, int64, [N] or [N, 1]; speculative: [N*E] or [N, E]
        Mutated: the next step's input tokens.
    sampled_token_ids : array, int64, [Q, 1]; speculative: [N, E]
        The tokens the sampler produced; -1 marks a rejected draft (speculative path). Read only.
    input_positions : array, int64, same shape as input_tokens
        Mutated: each token's position (speculative path: read, then advanced).
    seq_lens : array, int32 or int64, same shape as input_tokens
        Mutated: sequence lengths, advanced by one (speculative path: written only).
    slot_mapping : array, int64, same shape as input_tokens
        Mutated: each token's KV-cache slot; -1 for padding rows.
    block_tables : array, int32 or int64, [N, W] (also [N] without speculation)
        The paged KV-cache block ids of each sequence. Read only. A block index is bounded by the
        whole table, not by the row (vLLM's and Ascend's reading).
    num_seqs : int
        N, the batch size including padding rows; 1 <= N < 200000000.
    num_queries : int
        Q, the rows that hold a sampled token; 1 <= Q <= N (speculative path: Q == N).
    block_size : int
        B, tokens per KV-cache block; B >= 1.
    spec_token : array, int64, [N, S], optional
        The next step's draft tokens. Read only. Give both or neither of spec_token, accepted_num.
    accepted_num : array, int64, [N], optional
        Drafts accepted this step, an offset added to every position of the sequence (usually in
        [0, S]; any value whose new positions stay in range is accepted, as on CANN). Read only.
    semantics : "vllm" (default) or "ascend"
        "vllm": the formulas above. "ascend": the Ascend NPU kernels bit for bit, to explain an
        NPU's output or produce Huawei's goldens (docs/ascend_semantics.md). Without speculation:
        ``slot_mapping[i] = (block_tables.flatten()[pos // B] + W * i) * B + pos % B``, only rows
        i < min(Q, ascend_cores) are advanced, only padding rows Q + k * ascend_cores are written
        (the others keep their values) and N > Q is required. With speculation: positions,
        lengths and slots computed in int32 with wrap-around, the last token as the argmin of the
        row (as float32) with -1 appended; when one of spec_token/accepted_num is missing or
        empty, the path without speculation instead of an error. int64 arrays only.
    ascend_cores : int, optional
        The NPU's vector-core count for ``semantics="ascend"``: 1 <= ascend_cores < 2^31. None
        takes it from the runtime's SoC name (40 on Ascend910B3/B4, 48 otherwise). Checked under
        every semantics (anything else, a bool included, raises ArgumentError); with
        ``semantics="vllm"`` a valid count is unused.
    block_bound : "table" (default) or "row"
        "table": a block index may reach any entry of the table (vLLM and Ascend read so).
        "row": a block index at or past W is a data fault naming both sequences, because the slot
        would lie in another sequence's KV blocks.

    Raises
    ------
    ArgumentError (a ValueError)
        A bad argument: dtype, shape, contiguity, overlapping outputs, read-only output, device,
        the counts' rules, or only one of spec_token/accepted_num (code 161001), a semantics,
        ascend_cores or block_bound that names nothing (161002), a bool given as a count
        (161002), a 0-d spec_token or accepted_num (561002), an object that is not an array or
        whose export cannot be read (161002: a DLPack capsule already consumed or misnamed, a
        __dlpack__ or __dlpack_device__ that raises or returns junk, a buffer format other than
        one element type in the machine's byte order). ``code`` is the CANN status (161001,
        161002 or 561002); an exception raised by the array's own code is its ``__cause__``.
    DataFaultError (a RuntimeError)
        A value cannot be advanced: a negative length or position, a block index outside the
        table (with block_bound="row": outside the row), a negative block id, an overflowing slot
        or length, a new position (input_positions + accepted_num + 1) below 0, a sampled row
        starting with -1. ``code`` is 507015.
    DeviceError (a RuntimeError)
        The CUDA device or stream failed (code 361001).
    TypeError
        A count is not an integer.

    Every array is left exactly as it was when an exception is raised. Arrays are never copied or
    cast: every array must be contiguous, and the mutated ones writable. CUDA arrays run on their
    framework's current stream (torch, CuPy) of their device, with the GIL released.
    """
    chosen, cores, bound = _options(semantics, ascend_cores, block_bound)
    if _torch_op is not None and _torch_op.all_tensors(
        (input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables),
        (spec_token, accepted_num),
    ):
        _torch_op.call(
            input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables,
            num_seqs, num_queries, block_size, spec_token, accepted_num,
            semantics=chosen, ascend_cores=cores or None, block_bound=bound,
        )
        return None
    _launch(
        input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables,
        num_seqs, num_queries, block_size, spec_token, accepted_num,
        semantics=chosen, ascend_cores=cores or None, block_bound=bound,
    )
    return None


def check_cuda_faults(device: Optional[int] = None) -> None:
    """Waits for a CUDA device and raises the data faults of launches not reported at their call.

    Calls made while their stream is being captured into a CUDA graph (through
    ``torch.ops.advstep.advance_step`` or ``advance_step`` on torch tensors) only enqueue their
    kernels; a replay that meets a value it cannot advance writes nothing, and this function reports
    it. ``device`` is the CUDA device index (default: torch's current device when torch is imported,
    else 0).

    Raises
    ------
    DataFaultError (a RuntimeError)
        The first fault since the last check, with the count of later faulting launches (code 507015).
    ArgumentError (a ValueError)
        No usable GPU, or a device that is a bool or outside [0, 2^31) (code 161002).
    DeviceError (a RuntimeError)
        The CUDA device failed (code 361001).
    TypeError
        ``device`` is not an integer.
    """
    if device is None:
        torch = sys.modules.get("torch")
        device = torch.cuda.current_device() if torch is not None and torch.cuda.is_available() else 0
    index = _integer("advstep.check_cuda_faults", "device", device)
    if not 0 <= index < 2**31:
        raise ArgumentError(
            f"advstep.check_cuda_faults: device must be a CUDA device index (expected an integer in "
            f"[0, 2^31), got {index})",
            INVALID_ARGUMENT,
        )
    _core.check_cuda_faults(index)


def device_available(device: str) -> bool:
    """Whether this build and machine run advance_step on ``device``: "cpu" (always) or "cuda"."""
    return _core.device_available(device)


def _register_torch_op() -> Any:
    """Registers torch.ops.advstep.advance_step when torch >= 2.4 is installed; else None."""
    if "torch" not in sys.modules and importlib.util.find_spec("torch") is None:
        return None
    try:
        from . import _torch_op as module
    except ImportError as error:  # torch present but unusable, or too old for torch.library.custom_op
        warnings.warn(f"advstep: torch.ops.advstep.advance_step is not registered: {error}", stacklevel=2)
        return None
    return module


_torch_op = _register_torch_op()
