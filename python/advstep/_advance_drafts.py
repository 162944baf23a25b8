"""advstep.advance_drafts: the ragged prepare step's ADVANCE-mode operation (prepare_step.md section 3.2)."""

from __future__ import annotations

import numbers
import sys
from typing import Any, Optional, Sequence, Union

from . import _core
from ._errors import OUT_OF_RANGE, ArgumentError
from ._launch import on_current_stream
from ._prepare_args import groups, option, scalar

_API = "advstep.advance_drafts"
# The library's enumerator values (include/advstep/prepare_step.hpp OnCap, SeqLensTail; options.hpp BlockBound).
_ON_CAP = {"clamp": 0, "pad": 1}
_BOUND = {"table": 0, "row": 1}
_SEQ_LENS_TAIL = {"zero": 0, "keep": 1}


def _optional_int(name: str, value: Any) -> Optional[int]:
    return None if value is None else scalar(_API, name, value)


def advance_drafts(
    *,
    idx_mapping: Any,
    query_start_loc: Any,
    positions: Any,
    input_ids: Any,
    slot_mapping: Any,
    block_tables: Union[Any, Sequence[Any]],
    block_size: Union[int, Sequence[int]],
    delta: Any,
    tokens: Optional[Any] = None,
    sampled_token_ids: Optional[Any] = None,
    draft_tokens: Optional[Any] = None,
    pos_in: Optional[Any] = None,
    seq_lens: Optional[Any] = None,
    seq_base: Optional[Any] = None,
    seq_sub: Optional[Any] = None,
    token_seq_lens: Optional[Any] = None,
    pos_cap: Optional[int] = None,
    seq_cap: Optional[int] = None,
    on_cap: str = "clamp",
    rewrite_query_start_loc: bool = False,
    cp_size: int = 1,
    cp_rank: int = 0,
    cp_interleave: int = 1,
    bound: str = "row",
    seq_lens_tail: str = "keep",
    stream: Optional[int] = None,
) -> None:
    """Advance a batch by one draft step (ADVANCE mode): EAGLE/MTP draft steps, and advance_step V2.

    vLLM's model runner v2 draft-step preparation with every check made first. R = ``len(idx_mapping)``,
    M = ``len(positions)``, Rs = ``len(seq_lens)``, G = number of KV-cache groups, S = ``draft_tokens``
    width (0 without it), K = ``sampled_token_ids`` width, Rmax = the smallest dim 0 of ``draft_tokens``
    and the tables. Every array is int32 or int64, each on its own; inputs may be strided views (per-row
    inputs may be longer than R); outputs must be contiguous, writable and overlap nothing, except the
    in-place pairs ``pos_in``/``positions`` and ``seq_base``/``seq_lens``, which must then be the very
    same array.

    Row b < R reads table row ``r = idx_mapping[b]`` and owns tokens ``t = qs + j`` for ``j < L``, with
    ``qs, qe = query_start_loc[b], query_start_loc[b + 1]`` (with ``rewrite_query_start_loc``, every row is
    one token: ``query_start_loc[i] = min(i, R)`` is written and the input is neither read nor checked).
    With ``d = delta`` (an int, or ``delta[b]`` of an ``[R]`` array), all values as read at the call's start:
    ``positions[t] = P = pos_in[t] + d``, above ``pos_cap`` either ``pos_cap`` (``on_cap="clamp"``) or 0
    with ``seq_lens[b] = 1`` and slot -1 (``on_cap="pad"``, one-token rows); ``token_seq_lens[t] = P + 1``;
    ``seq_lens[b] = min(seq_base[b] - seq_sub[b] + d, seq_cap)``; ``input_ids[qs]`` = the bonus token
    (``tokens[b]``, or the element of ``sampled_token_ids[b]`` before its first -1, else its last) and
    ``input_ids[qs + 1 + k] = draft_tokens[r, k]`` for ``k < L - 1``; ``slot_mapping[g, t] =
    block_tables[g][r, P // B_g] * B_g + P % B_g`` (the DCP form with ``cp_size`` > 1, -1 for a token
    another rank holds). ``slot_mapping`` on ``[T, M)`` (T = R rewritten, else ``query_start_loc[R]``) is
    -1; ``seq_lens_tail="zero"`` zeroes ``seq_lens`` on ``[R, Rs)``.

    Parameters
    ----------
    idx_mapping : array [R]; query_start_loc : array [>= R + 1] (mutated with rewrite_query_start_loc)
    positions : array [M] (mutated); input_ids : array [M] (mutated on the batch's tokens)
    slot_mapping : array [G, M], or [M] when G = 1 (mutated)
    block_tables : one 2-D array [Rb, W] (G = 1), or a list/tuple of G such arrays
    block_size : int, or a sequence of G ints (each >= 1)
    delta : int, or array [>= R]
    tokens : array [>= R] (EAGLE) or sampled_token_ids : array [>= R, K >= 1] (V2): exactly one
    draft_tokens : array [Rmax, S], optional
    pos_in : array [>= M] ([>= R] with rewrite_query_start_loc), optional: positions itself by default
    seq_lens : array [Rs >= R], optional (mutated); seq_base, seq_sub : arrays [>= R], optional
        (seq_base defaults to seq_lens, seq_sub to 0)
    token_seq_lens : array [M], optional (mutated)
    pos_cap : int >= 0, optional (required with on_cap="pad"); seq_cap : int >= 1, optional
    on_cap : "clamp" or "pad"; rewrite_query_start_loc : bool
    cp_size, cp_rank, cp_interleave : int, DCP size >= 1, 0 <= rank < size, interleave I >= 1 (with
        cp_size > 1: I <= B_g and B_g % I == 0)
    bound : "row" (block index < W) or "table" (r * W + block index < numel of the table)
    seq_lens_tail : "keep" or "zero"
    stream : the CUDA stream (cudaStream_t as an int) for CUDA arrays; None: the current stream of
        ``positions``' array library

    Raises
    ------
    ArgumentError (a ValueError)
        A missing array (or one an option needs: exactly one of tokens and sampled_token_ids, pos_cap for
        "pad"), a dtype, shape, scalar or option rule, an output that is not contiguous or overlaps another
        array, arrays on two devices (161001, 161002, 561002).
    DataFaultError (a RuntimeError)
        A value that cannot be prepared (507015), named with its class and b, r, t: F1 a row index outside
        [0, Rmax); F2 a bad query_start_loc; F3 a length source outside [0, seq_cap] or a negative new
        length or position; F4 a row without a token or with more than S + 1, or of several tokens under
        "pad"; F5 a block index past the bound or a negative block id; F6 a value that does not fit its
        output; F7 a sampled_token_ids row starting with -1. Nothing is modified on any error.
    TypeError
        An unknown keyword argument. (An array argument that is not an array is an ArgumentError: 161001
        for None where an array is required, 161002 otherwise.)
    """
    tables, sizes = groups(_API, block_tables, block_size)
    per_row = None
    if isinstance(delta, numbers.Integral):  # bool included: scalar() refuses it
        step = scalar(_API, "delta", delta)
    else:
        step, per_row = 0, delta
    if not isinstance(rewrite_query_start_loc, bool):
        raise ArgumentError(f"{_API}: rewrite_query_start_loc must be a bool (expected True or False, got "
                            f"{rewrite_query_start_loc!r})", OUT_OF_RANGE)
    arguments = dict(
        idx_mapping=idx_mapping, query_start_loc=query_start_loc, positions=positions, input_ids=input_ids,
        slot_mapping=slot_mapping, block_tables=tables, block_size=sizes, delta=step, delta_per_row=per_row,
        tokens=tokens, sampled_token_ids=sampled_token_ids, draft_tokens=draft_tokens, pos_in=pos_in,
        seq_lens=seq_lens, seq_base=seq_base, seq_sub=seq_sub, token_seq_lens=token_seq_lens,
        pos_cap=_optional_int("pos_cap", pos_cap), seq_cap=_optional_int("seq_cap", seq_cap),
        on_cap=_ON_CAP[option(_API, "on_cap", on_cap, tuple(_ON_CAP))],
        rewrite_query_start_loc=rewrite_query_start_loc, cp_size=scalar(_API, "cp_size", cp_size),
        cp_rank=scalar(_API, "cp_rank", cp_rank), cp_interleave=scalar(_API, "cp_interleave", cp_interleave),
        bound=_BOUND[option(_API, "bound", bound, ("row", "table"))],
        seq_lens_tail=_SEQ_LENS_TAIL[option(_API, "seq_lens_tail", seq_lens_tail, ("keep", "zero"))],
    )
    # torch tensors go through torch.ops.advstep.advance_drafts (its .int or .Tensor overload, by delta's type),
    # which torch.compile traces as one op; it takes the options' names, checked above.
    torch_ops = sys.modules.get("advstep._torch_prepare_step")
    if stream is None and torch_ops is not None and torch_ops.routes(
        (idx_mapping, query_start_loc, positions, input_ids, slot_mapping),
        (per_row, tokens, sampled_token_ids, draft_tokens, pos_in, seq_lens, seq_base, seq_sub, token_seq_lens),
        tables,
    ):
        named = {name: value for name, value in arguments.items() if name != "delta_per_row"}
        torch_ops.call("advance_drafts", dict(named, delta=step if per_row is None else per_row, on_cap=on_cap,
                                              bound=bound, seq_lens_tail=seq_lens_tail))
        return
    if stream is not None:
        handle = scalar(_API, "stream", stream)
        if handle < 0:  # a cudaStream_t is an address: the extension takes it unsigned
            raise ArgumentError(f"{_API}: stream must be a cudaStream_t (expected an int >= 0, got {handle})",
                                OUT_OF_RANGE)
        _core.advance_drafts(**arguments, stream=handle)
        return
    on_current_stream(positions, lambda stream: _core.advance_drafts(**arguments, stream=stream))
