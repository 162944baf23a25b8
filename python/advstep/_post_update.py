"""advstep.post_update: the ragged prepare step's state update after sampling (prepare_step.md section 3.3)."""

from __future__ import annotations

import sys
from typing import Any, Optional

from . import _core
from ._errors import INVALID_ARGUMENT, ArgumentError
from ._launch import integer, on_current_stream

_API = "advstep.post_update"


def post_update(
    *,
    idx_mapping: Any,
    num_computed_tokens: Any,
    last_sampled_tokens: Any,
    sampled_tokens: Any,
    num_sampled: Any,
    num_rejected: Any,
    query_start_loc: Optional[Any] = None,
    total_len: Optional[Any] = None,
    all_token_ids: Optional[Any] = None,
    stream: Optional[int] = None,
) -> None:
    """Commit one step's sampled tokens to the per-request state, in place (vLLM's ``_post_update_kernel``).

    R = ``len(idx_mapping)``, K = ``sampled_tokens.shape[1]``, Rmax = the smallest dim 0 of the state
    arrays (``num_computed_tokens``, ``last_sampled_tokens``, ``total_len``, ``all_token_ids``), Wt =
    ``all_token_ids.shape[1]``. Every array is int32 or int64, each on its own. Inputs may be strided views
    and per-row inputs longer than R (their first R rows are read); the state arrays are written, so they
    must be contiguous, writable, and overlap nothing.

    For each row b < R with ``r = idx_mapping[b] >= 0`` (a negative r skips the row, unchecked),
    ``n = num_sampled[b]``, ``rho = num_rejected[b]`` and ``L = query_start_loc[b + 1] - query_start_loc[b]``
    (0 without ``query_start_loc``):

    - ``num_computed_tokens[r] += L - rho``;
    - if n > 0: ``last_sampled_tokens[r] = sampled_tokens[b, n - 1]``, and with the history
      ``all_token_ids[r, total_len[r] + i] = sampled_tokens[b, i]`` for i < n, then ``total_len[r] += n``.

    An engine derives n and rho as vLLM does: a row still in its prompt (seq_lens[b] < prefill_len[r])
    has n = rho = 0; otherwise rho = (its logits) - n, so accepting a of D drafts gives n = a + 1.

    Parameters
    ----------
    idx_mapping : array [R]: each row's state row (negative: skipped)
    num_computed_tokens : array [Rmax] (mutated)
    last_sampled_tokens : array [Rmax] or [Rmax, 1] (mutated)
    sampled_tokens : array [>= R, K], K >= 1
    num_sampled, num_rejected : arrays [>= R]
    query_start_loc : array [>= R + 1], optional (absent: L = 0 for every row)
    total_len : array [Rmax], optional, with all_token_ids (mutated)
    all_token_ids : array [Rmax, Wt], optional, with total_len (mutated)
    stream : int, optional: the cudaStream_t to run on for CUDA arrays; None takes the array library's
        current stream (torch, CuPy), or the default stream

    Raises
    ------
    ArgumentError (a ValueError)
        A missing array, or total_len without all_token_ids (or the reverse) (161001); a dtype other than
        int32/int64, a state array that is not contiguous or overlaps another array, arrays on different
        devices (161002); a shape rule (561002).
    DataFaultError (a RuntimeError)
        A value that cannot be committed (507015), named with its class, b and r: F1 a state row outside
        [0, Rmax) or named by two rows; F2 a query_start_loc not starting at 0 or decreasing; F3 a negative
        num_computed_tokens; F6 a result that does not fit its array (num_computed_tokens, a token, total_len);
        F8 n outside [0, K], rho outside [0, L], the history write outside [0, Wt). Nothing is modified on
        any error.
    TypeError
        stream is not an integer. (An array argument that is not an array is an ArgumentError: 161001 for
        None where an array is required, 161002 otherwise.)
    """
    arrays = dict(idx_mapping=idx_mapping, num_computed_tokens=num_computed_tokens,
                  last_sampled_tokens=last_sampled_tokens, sampled_tokens=sampled_tokens, num_sampled=num_sampled,
                  num_rejected=num_rejected, query_start_loc=query_start_loc, total_len=total_len,
                  all_token_ids=all_token_ids)
    # torch tensors go through torch.ops.advstep.post_update, which torch.compile traces as one op.
    torch_ops = sys.modules.get("advstep._torch_prepare_step")
    if stream is None and torch_ops is not None and torch_ops.routes(
        (idx_mapping, num_computed_tokens, last_sampled_tokens, sampled_tokens, num_sampled, num_rejected),
        (query_start_loc, total_len, all_token_ids),
    ):
        torch_ops.call("post_update", arrays)
        return
    if stream is None:
        on_current_stream(idx_mapping, lambda stream: _core.post_update(**arrays, stream=stream))
        return
    handle = integer(_API, "stream", stream)
    if handle < 0:
        raise ArgumentError(f"{_API}: stream must be a cudaStream_t (expected an int >= 0, got {handle})",
                            INVALID_ARGUMENT)
    _core.post_update(**arrays, stream=handle)
