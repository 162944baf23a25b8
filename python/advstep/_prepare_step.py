"""advstep.prepare_inputs: the ragged prepare step's STATE-mode operation (prepare_step.md section 3.1)."""

from __future__ import annotations

import sys
from typing import Any, Optional, Sequence, Union

from . import _core
from ._prepare_args import groups, option, scalar

_API = "advstep.prepare_inputs"


def prepare_inputs(
    *,
    idx_mapping: Any,
    query_start_loc: Any,
    num_computed_tokens: Any,
    block_tables: Union[Any, Sequence[Any]],
    block_size: Union[int, Sequence[int]],
    positions: Any,
    seq_lens: Any,
    slot_mapping: Any,
    input_ids: Optional[Any] = None,
    last_sampled_tokens: Optional[Any] = None,
    draft_tokens: Optional[Any] = None,
    prefill_len: Optional[Any] = None,
    cu_num_logits: Optional[Any] = None,
    logits_indices: Optional[Any] = None,
    num_bonus: int = 1,
    token_seq_lens: Optional[Any] = None,
    dcp_local_seq_lens: Optional[Any] = None,
    cp_size: int = 1,
    cp_rank: int = 0,
    cp_interleave: int = 1,
    bound: str = "row",
    seq_lens_tail: str = "zero",
    token_tail: str = "keep",
    stream: Optional[int] = None,
) -> None:
    """Prepare one step's inputs of a ragged batch from the per-request state (STATE mode), on host arrays.

    vLLM's model runner v2 step preparation (positions, seq_lens, tokens, logits indices, KV slots) with
    every check made first. R = ``len(idx_mapping)``, M = ``len(positions)``, Rs = ``len(seq_lens)``,
    G = number of KV-cache groups, S = ``draft_tokens`` width, Rmax = the smallest dim 0 of the state arrays
    and tables. Every array is int32 or int64, each on its own; inputs may be strided views (per-row inputs
    may be longer than R); outputs must be contiguous, writable and overlap nothing.

    Row b < R reads state row ``r = idx_mapping[b]`` and owns tokens ``t = qs + j`` for ``j < L``, with
    ``qs, qe = query_start_loc[b], query_start_loc[b + 1]`` and ``L = qe - qs``; ``nc = num_computed_tokens[r]``.
    Writes: ``positions[t] = nc + j``; ``seq_lens[b] = nc + L``; ``token_seq_lens[t] = nc + j + 1``;
    ``slot_mapping[g, t] = block_tables[g][r, P // B_g] * B_g + P % B_g`` (cp_size 1; with DCP the spec's
    section 2.6, -1 for a token another rank holds); ``dcp_local_seq_lens[b]`` by section 2.7;
    ``logits_indices[cu[b] + k] = qe - NL + k`` for ``k < NL`` (NL = ``cu[b+1] - cu[b]``, or ``num_bonus``
    without ``cu_num_logits``). In a decode row (``seq_lens[b] > prefill_len[r]``) ``input_ids[qe - NL]`` =
    ``last_sampled_tokens[r]`` (num_bonus 1, past the prompt) and ``input_ids[qe - D + k] =
    draft_tokens[r, k]`` for ``k < D = NL - num_bonus``; prefill tokens are left as they are.
    ``slot_mapping`` on ``[T, M)`` (T = ``query_start_loc[R]``) is -1; ``seq_lens_tail="zero"`` zeroes
    ``seq_lens`` (and ``dcp_local_seq_lens``) on ``[R, Rs)``; ``token_tail="zero"`` zeroes ``input_ids`` and
    ``positions`` on ``[T, M)``. The state is only read.

    Parameters
    ----------
    idx_mapping : array [R]; query_start_loc : array [>= R + 1]; num_computed_tokens : array [Rmax]
    block_tables : one 2-D array [Rb, W] (G = 1), or a list/tuple of G such arrays
    block_size : int, or a sequence of G ints (each >= 1)
    positions : array [M] (mutated); seq_lens : array [Rs >= R] (mutated)
    slot_mapping : array [G, M], or [M] when G = 1 (mutated)
    input_ids : array [M], optional (mutated: only the decode rows' bonus and draft tokens)
    last_sampled_tokens : array [Rmax] or [Rmax, 1]; required with input_ids and num_bonus 1
    draft_tokens : array [Rmax, S], optional (absent: S = 0)
    prefill_len : array [Rmax], optional (absent: 0)
    cu_num_logits : array [>= R + 1], optional; required with logits_indices
    logits_indices : array [>= cu_num_logits[R]], optional (mutated)
    num_bonus : int, 0 or 1
    token_seq_lens : array [M], optional (mutated); dcp_local_seq_lens : array [Rs], optional (mutated)
    cp_size, cp_rank, cp_interleave : int, DCP size >= 1, 0 <= rank < size, interleave I >= 1 (with
        cp_size > 1: I <= B_g and B_g % I == 0)
    bound : "row" (block index < W) or "table" (r * W + block index < numel of the table)
    seq_lens_tail : "zero" or "keep"; token_tail : "keep" or "zero"
    stream : unused (the operation runs on the host only; CUDA arrays are refused)

    Raises
    ------
    ArgumentError (a ValueError)
        A missing array (or one an option needs), a dtype, shape, scalar or option rule, an output that
        is not contiguous or overlaps another array, CUDA arrays (161001, 161002, 561002).
    DataFaultError (a RuntimeError)
        A value that cannot be prepared (507015), named with its class: F1 a row index outside
        [0, Rmax); F2 a bad query_start_loc; F3 a negative num_computed_tokens; F4 a bad cu_num_logits or
        a row's logits/drafts count; F5 a block index past the bound or a negative block id; F6 a value
        that does not fit its output. Nothing is modified on any error.
    TypeError
        An unknown keyword argument. (An array argument that is not an array is an ArgumentError: 161001
        for None where an array is required, 161002 otherwise.)
    """
    del stream  # host only (a torch op call runs on the current stream)
    tables, sizes = groups(_API, block_tables, block_size)
    arguments = dict(
        idx_mapping=idx_mapping, query_start_loc=query_start_loc, num_computed_tokens=num_computed_tokens,
        block_tables=tables, block_size=sizes, positions=positions, seq_lens=seq_lens, slot_mapping=slot_mapping,
        input_ids=input_ids, last_sampled_tokens=last_sampled_tokens, draft_tokens=draft_tokens,
        prefill_len=prefill_len, cu_num_logits=cu_num_logits, logits_indices=logits_indices,
        num_bonus=scalar(_API, "num_bonus", num_bonus), token_seq_lens=token_seq_lens,
        dcp_local_seq_lens=dcp_local_seq_lens, cp_size=scalar(_API, "cp_size", cp_size),
        cp_rank=scalar(_API, "cp_rank", cp_rank), cp_interleave=scalar(_API, "cp_interleave", cp_interleave),
        bound=option(_API, "bound", bound, ("row", "table")),
        seq_lens_tail=option(_API, "seq_lens_tail", seq_lens_tail, ("zero", "keep")),
        token_tail=option(_API, "token_tail", token_tail, ("keep", "zero")),
    )
    # torch tensors go through torch.ops.advstep.prepare_inputs, which torch.compile traces as one op.
    torch_ops = sys.modules.get("advstep._torch_prepare_step")
    if torch_ops is not None and torch_ops.routes(
        (idx_mapping, query_start_loc, num_computed_tokens, positions, seq_lens, slot_mapping),
        (input_ids, last_sampled_tokens, draft_tokens, prefill_len, cu_num_logits, logits_indices, token_seq_lens,
         dcp_local_seq_lens),
        tables,
    ):
        torch_ops.call("prepare_inputs", arguments)
        return
    _core.prepare_inputs(**arguments)
