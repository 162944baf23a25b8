"""Properties the row formulas of spec prepare_step.md 2.6-2.7 must have under DCP, over every small case:
each token is kept by exactly one rank, a rank's local length counts the tokens it keeps, and a rank's
slots are distinct and inside the blocks it reads."""

from __future__ import annotations

import pytest

import prepare_step_rows as formula

CASES = [(cp, block, interleave) for cp in (1, 2, 3, 4) for block in (1, 2, 4, 8, 16)
         for interleave in range(1, block + 1) if block % interleave == 0]


@pytest.mark.parametrize("cp, block, interleave", CASES)
def test_every_token_has_one_rank_and_the_local_lengths_count_them(cp: int, block: int, interleave: int) -> None:
    for seq_len in range(0, 3 * block * cp + 2):
        kept = [0] * cp
        for position in range(seq_len):
            ranks = [k for k in range(cp) if formula.is_local(position, block, cp, k, interleave)]
            assert len(ranks) == 1, (position, ranks)
            kept[ranks[0]] += 1
        assert [formula.dcp_local_seq_len(seq_len, cp, k, interleave) for k in range(cp)] == kept


@pytest.mark.parametrize("cp, block, interleave", CASES)
def test_a_ranks_slots_fill_its_blocks_once(cp: int, block: int, interleave: int) -> None:
    """With block id 100 + column, rank k's local tokens fill blocks 100.. densely, each slot once, in order."""
    for k in range(cp):
        slots = []
        for position in range(4 * block * cp):
            if formula.is_local(position, block, cp, k, interleave):
                column = formula.block_index(position, block, cp)
                slot = formula.slot(100 + column, position, block, cp, interleave)
                assert (100 + column) * block <= slot < (101 + column) * block
                slots.append(slot)
        assert slots == list(range(100 * block, 104 * block))


def test_last_token() -> None:
    assert formula.last_token([5, 6, -1, 7]) == 6
    assert formula.last_token([5, 6, 7]) == 7
    assert formula.last_token([-1, 6]) is None
