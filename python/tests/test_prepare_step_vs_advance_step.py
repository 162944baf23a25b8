"""Spec prepare_step.md section 5: advance_step V1 and V2 are parameter sets of prepare_inputs and advance_drafts.

Two references written independently (oracle.py from the advance_step spec, prepare_step_oracle.py from the
prepare-step spec) must agree on seeded random advance_step cases: the same outputs, or both refusing the
case. The cases reach the edges where they could part: negative and overflowing lengths, int32 lengths,
block indices past the row and past the table, negative block ids, V2 rows starting with -1, offsets of
acceptedNum beyond S.
"""

from __future__ import annotations

import random

import pytest

from oracle import INT32_MAX, Fault as AdvanceFault, advance_v1, advance_v2
from prepare_step_arrays import array
from prepare_step_oracle import Fault, advance_drafts, prepare_inputs

SEEDS = range(400)


def _pick(rng: random.Random, usual: int, *edges: int, chance: float = 0.08) -> int:
    return rng.choice(edges) if edges and rng.random() < chance else usual


def _table(rng: random.Random, rows: int, width: int) -> list[int]:
    return [_pick(rng, rng.randrange(0, 1000), -1, 2**40, chance=0.02) for _ in range(rows * width)]


def _outcome(run):
    try:
        return run()
    except (Fault, AdvanceFault):
        return "fault"


def v1_outcomes(seed: int) -> tuple:
    """(advance_step's outcome, prepare_inputs' outcome) for one seeded V1 case: four lists, or "fault"."""
    rng = random.Random(seed)
    num_seqs = rng.randint(1, 6)
    num_queries = rng.randint(0, num_seqs)
    block_size, width = rng.randint(1, 5), rng.randint(1, 4)
    seq_dtype, table_dtype = rng.choice(["int32", "int64"]), rng.choice(["int32", "int64"])
    row_bound = rng.random() < 0.5
    seq_lens = [_pick(rng, rng.randrange(0, block_size * width + 3), -1, INT32_MAX, 2**40 if seq_dtype == "int64"
                      else 0) for _ in range(num_seqs)]
    table = _table(rng, num_seqs, width)
    if table_dtype == "int32":
        table = [v if v < 2**31 else 2**31 - 1 for v in table]
    sampled = [rng.randrange(0, 32000) for _ in range(num_queries)]
    before = [rng.randrange(-5, 5) for _ in range(3 * num_seqs)]

    def direct():
        o = advance_v1(before[:num_seqs], sampled, before[num_seqs:2 * num_seqs], seq_lens, before[2 * num_seqs:],
                       table, num_seqs, num_seqs, num_queries, block_size,
                       seq_len_max=INT32_MAX if seq_dtype == "int32" else 2**63 - 1, row_bound=row_bound)
        return o.input_tokens, o.input_positions, o.seq_lens, o.slot_mapping

    def on_prepare_step():
        out = dict(input_ids=array(before[:num_seqs]), positions=array(before[num_seqs:2 * num_seqs]),
                   seq_lens=array(seq_lens, seq_dtype), slot_mapping=array(before[2 * num_seqs:]))
        prepare_inputs(idx_mapping=array(list(range(num_queries)), shape=[num_queries]),
                       query_start_loc=array(list(range(num_queries + 1))),
                       num_computed_tokens=array(seq_lens, seq_dtype),  # seqLens as read at entry
                       last_sampled_tokens=array(sampled, shape=[num_queries, 1]),
                       block_tables=array(table, table_dtype, shape=[num_seqs, width]), block_size=block_size,
                       seq_lens_tail="keep", token_tail="zero", bound="row" if row_bound else "table", **out)
        return tuple(out[k].flat() for k in ("input_ids", "positions", "seq_lens", "slot_mapping"))

    return _outcome(direct), _outcome(on_prepare_step)


def v2_outcomes(seed: int) -> tuple:
    """(advance_step's outcome, advance_drafts' outcome) for one seeded V2 case."""
    rng = random.Random(seed)
    num_seqs, spec = rng.randint(1, 5), rng.randint(0, 3)
    width_e = spec + 1
    cells = num_seqs * width_e
    block_size, width = rng.randint(1, 5), rng.randint(2, 5)
    seq_dtype = rng.choice(["int32", "int64"])
    row_bound = rng.random() < 0.5
    room = max(block_size * width - width_e, 1)  # advancing by up to E stays in the row
    positions = [_pick(rng, rng.randrange(0, room), -50, INT32_MAX - 1, chance=0.03) for _ in range(cells)]
    accepted = [_pick(rng, rng.randrange(0, width_e), -3, width_e + 4, chance=0.04) for _ in range(num_seqs)]
    sampled = []
    for _ in range(num_seqs):
        valid = rng.choice(range(width_e + 1)) if rng.random() < 0.15 else rng.randint(1, width_e)
        sampled += [rng.randrange(0, 32000) for _ in range(valid)] + [-1] * (width_e - valid)
    spec_tokens = [rng.randrange(0, 32000) for _ in range(num_seqs * spec)]
    table = _table(rng, num_seqs, width)
    before = [rng.randrange(-5, 5) for _ in range(3 * cells)]

    def direct():
        o = advance_v2(before[:cells], sampled, positions, before[cells:2 * cells], before[2 * cells:], table,
                       num_seqs, num_seqs, block_size, spec_tokens, accepted, spec,
                       seq_len_max=INT32_MAX if seq_dtype == "int32" else 2**63 - 1, row_bound=row_bound)
        return o.input_tokens, o.input_positions, o.seq_lens, o.slot_mapping

    def on_prepare_step():
        out = dict(input_ids=array(before[:cells]), positions=array(positions),
                   token_seq_lens=array(before[cells:2 * cells], seq_dtype), slot_mapping=array(before[2 * cells:]))
        advance_drafts(idx_mapping=array(list(range(num_seqs))),
                       query_start_loc=array([i * width_e for i in range(num_seqs + 1)]),
                       block_tables=array(table, shape=[num_seqs, width]), block_size=block_size,
                       delta=array([a + 1 for a in accepted]),
                       sampled_token_ids=array(sampled, shape=[num_seqs, width_e]),
                       draft_tokens=array(spec_tokens, shape=[num_seqs, spec]),
                       bound="row" if row_bound else "table", **out)  # pos_in = positions as read at entry
        return tuple(out[k].flat() for k in ("input_ids", "positions", "token_seq_lens", "slot_mapping"))

    return _outcome(direct), _outcome(on_prepare_step)


@pytest.mark.parametrize("seed", SEEDS)
def test_v1_on_prepare_inputs_agrees_with_advance_step(seed: int) -> None:
    direct, on_prepare_step = v1_outcomes(seed)
    assert on_prepare_step == direct


@pytest.mark.parametrize("seed", SEEDS)
def test_v2_on_advance_drafts_agrees_with_advance_step(seed: int) -> None:
    direct, on_prepare_step = v2_outcomes(seed)
    assert on_prepare_step == direct


@pytest.mark.parametrize("outcomes", [v1_outcomes, v2_outcomes])
def test_the_random_cases_reach_faults_and_values(outcomes) -> None:
    """The agreement above is only worth something if the seeds give both refused cases and advanced ones."""
    faults = sum(outcomes(seed)[0] == "fault" for seed in SEEDS)
    assert len(SEEDS) // 10 < faults < len(SEEDS) * 6 // 10
