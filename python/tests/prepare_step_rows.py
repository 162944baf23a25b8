"""The row formulas of spec prepare_step.md section 2, once, on Python ints (exact: no wrap, no width).

Each function is one numbered rule of the spec. They assume what the validation pass has already
established (non-negative operands of ``//`` and ``%``); the operations in prepare_step_oracle.py call
them only after the checks that guard them.
"""

from __future__ import annotations

from typing import Optional, Sequence


def state_position(num_computed: int, j: int) -> int:
    """2.2, STATE mode: the j-th token of a row sits at nc[r] + j."""
    return num_computed + j


def advance_position(previous: int, delta: int, pos_cap: Optional[int], on_cap: str) -> tuple[int, bool]:
    """2.2, ADVANCE mode: pos_in[t] + delta[b], then the cap. Returns (P, capped).

    Above ``pos_cap``, ``clamp`` gives pos_cap and ``pad`` gives 0 with the token marked capped."""
    position = previous + delta
    if pos_cap is not None and position > pos_cap:
        return (pos_cap, False) if on_cap == "clamp" else (0, True)
    return position, False


def state_seq_len(num_computed: int, num_tokens: int) -> int:
    """2.3, STATE: nc[r] + L_b."""
    return num_computed + num_tokens


def advance_seq_len(source: int, delta: int, seq_cap: Optional[int], capped: bool) -> int:
    """2.3, ADVANCE: min(src_b + delta[b], seq_cap), or 1 for a capped (padded) row."""
    if capped:
        return 1
    length = source + delta
    return length if seq_cap is None else min(length, seq_cap)


def token_seq_len(position: int) -> int:
    """2.4: token_seq_lens[t] = P + 1."""
    return position + 1


def logits_index(query_end: int, num_logits: int, k: int) -> int:
    """2.5: logits_indices[cu[b] + k] = qe - NL_b + k, the last NL_b tokens of the row."""
    return query_end - num_logits + k


def is_decode_row(seq_len: int, prefill_len: int) -> bool:
    """2.5: a row samples (its tokens are written) once its length passes the prompt."""
    return seq_len > prefill_len


def writes_bonus(num_bonus: int, advance: bool, seq_len: int, num_logits: int, prefill_len: int) -> bool:
    """2.5, the prompt-tail guard: the bonus token goes in only when the row's first logit is past the prompt."""
    return num_bonus == 1 and (advance or seq_len - num_logits >= prefill_len)


def last_token(sampled_row: Sequence[int]) -> Optional[int]:
    """2.5, V2's lastToken: the element before the first -1, else the last; None when the row starts with -1."""
    for m, value in enumerate(sampled_row):
        if value == -1:
            return sampled_row[m - 1] if m > 0 else None
    return sampled_row[-1] if sampled_row else None


def block_index(position: int, block_size: int, cp_size: int) -> int:
    """2.6 / F5: the column of the block table the token's KV lands in: P // (B * cp)."""
    return position // (block_size * cp_size)


def is_local(position: int, block_size: int, cp_size: int, cp_rank: int, interleave: int) -> bool:
    """2.6: under DCP a token's KV is kept by rank (o // I) mod cp, o = P % (B * cp); every token is local at cp = 1."""
    offset = position % (block_size * cp_size)
    return (offset // interleave) % cp_size == cp_rank


def slot(block_id: int, position: int, block_size: int, cp_size: int, interleave: int) -> int:
    """2.6: the slot of a local token in block ``block_id``.

    cp = 1: id * B + P % B. cp > 1: id * B + (o // (I * cp)) * I + o % I, o = P % (B * cp); with cp = 1 and
    I = 1 the second form is the first, so one expression serves both."""
    offset = position % (block_size * cp_size)
    return block_id * block_size + (offset // (interleave * cp_size)) * interleave + offset % interleave


def dcp_local_seq_len(seq_len: int, cp_size: int, cp_rank: int, interleave: int) -> int:
    """2.7: how many of the row's seq_len tokens rank cp_rank keeps."""
    span = cp_size * interleave
    return (seq_len // span) * interleave + min(max(seq_len % span - cp_rank * interleave, 0), interleave)
