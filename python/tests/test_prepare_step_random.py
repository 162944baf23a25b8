"""Seeded random cases that tie the three operations together, as spec prepare_step.md states they fit:
an EAGLE draft step advances the step prepare_inputs made by one position (3.2 is 3.1 one token later), and
post_update after a verification with a accepted drafts grows nc by a + 1 (3.3). Every option varies: groups,
DCP, bounds, dtypes."""

from __future__ import annotations

import random

import pytest

from prepare_step_arrays import array, full
from prepare_step_oracle import Fault, advance_drafts, post_update, prepare_inputs, sampler_counts

SEEDS = range(150)


def random_state(rng: random.Random, rows: int, spec: int) -> dict:
    groups = rng.choice([1, 2])
    cp = rng.choice([1, 1, 2, 4])
    sizes = [rng.choice([2, 4, 8]) for _ in range(groups)]
    interleave = rng.choice([i for i in (1, 2, 4, 8) if all(s % i == 0 for s in sizes)])
    width = rng.randint(1, 4)
    state_rows = rows + rng.randint(0, 2)
    tables = [array([[rng.randrange(0, 50) for _ in range(width)] for _ in range(state_rows)],
                    rng.choice(["int32", "int64"])) for _ in groups * [0]]
    reach = min(sizes) * cp * width  # positions below this stay in every row
    return dict(
        block_tables=tables if groups > 1 or rng.random() < 0.5 else tables[0],
        block_size=sizes if groups > 1 else sizes[0], cp_size=cp, cp_rank=rng.randrange(cp),
        cp_interleave=interleave, bound=rng.choice(["row", "table"]),
        num_computed_tokens=array([rng.randrange(0, reach) for _ in range(state_rows)],
                                  rng.choice(["int32", "int64"])),
        last_sampled_tokens=array([rng.randrange(0, 1000) for _ in range(state_rows)]),
        draft_tokens=array([[rng.randrange(0, 1000) for _ in range(spec)] for _ in range(state_rows)],
                           shape=[state_rows, spec]))


def outputs(tokens: int, rows: int, groups: int) -> dict:
    return dict(positions=full(tokens, -7), seq_lens=full(rows, -7, "int32"), token_seq_lens=full(tokens, -7),
                input_ids=full(tokens, -7), slot_mapping=full((groups, tokens) if groups > 1 else tokens, -7))


def _groups(state: dict) -> int:
    tables = state["block_tables"]
    return len(tables) if isinstance(tables, list) else 1


def _prepare_one_token_rows(state: dict, idx: list[int], spare: int) -> dict:
    """prepare_inputs for one token per row; returns its outputs, or "fault"."""
    rows = len(idx)
    out = outputs(rows + spare, rows, _groups(state))
    try:
        prepare_inputs(idx_mapping=array(idx, shape=[rows]), query_start_loc=array(list(range(rows + 1))), **out,
                       **state)
    except Fault:
        return "fault"
    return out


def eagle_case(seed: int) -> str:
    """One seeded case: "values" when the step and prepare_inputs one position later gave the same values,
    "refused" when both refused it; an assertion fails otherwise."""
    rng = random.Random(seed)
    rows = rng.randint(1, 5)
    state = random_state(rng, rows, spec=0)
    idx = rng.sample(range(state["num_computed_tokens"].shape[0]), rows)
    spare = rng.randint(0, 2)
    first = _prepare_one_token_rows(state, idx, spare)
    assert first != "fault", "positions below the table's reach must prepare"
    later_state = dict(state, num_computed_tokens=array([n + 1 for n in state["num_computed_tokens"].flat()]))
    expected = _prepare_one_token_rows(later_state, idx, spare)

    tokens = [rng.randrange(0, 1000) for _ in range(rows)]
    options = {k: state[k] for k in ("block_tables", "block_size", "cp_size", "cp_rank", "cp_interleave", "bound")}
    try:
        advance_drafts(idx_mapping=array(idx, shape=[rows]), query_start_loc=array(list(range(rows + 1))),
                       delta=1, tokens=array(tokens), **{k: first[k] for k in first}, **options)
    except Fault as fault:
        assert expected == "fault", str(fault)
        return "refused"
    assert expected != "fault"
    for name in ("positions", "seq_lens", "token_seq_lens", "slot_mapping"):
        assert first[name].flat() == expected[name].flat(), name
    assert first["input_ids"].flat()[:rows] == tokens
    return "values"


@pytest.mark.parametrize("seed", SEEDS)
def test_an_eagle_step_is_prepare_inputs_one_position_later(seed: int) -> None:
    eagle_case(seed)


def test_most_eagle_cases_compare_values() -> None:
    outcomes = [eagle_case(seed) for seed in SEEDS]
    assert outcomes.count("refused") > 0 and outcomes.count("values") > len(SEEDS) * 2 // 3


@pytest.mark.parametrize("seed", SEEDS)
def test_post_update_grows_num_computed_tokens_by_the_accepted_drafts_plus_one(seed: int) -> None:
    rng = random.Random(seed)
    rows, spec = rng.randint(1, 5), rng.randint(0, 3)
    state = random_state(rng, rows, spec)
    state["bound"] = "table"
    idx = rng.sample(range(state["num_computed_tokens"].shape[0]), rows)
    drafts = [rng.randint(0, spec) for _ in range(rows)]
    qsl = [0]
    for d in drafts:
        qsl.append(qsl[-1] + d + 1)
    out = outputs(qsl[-1], rows, _groups(state))
    try:
        prepare_inputs(idx_mapping=array(idx), query_start_loc=array(qsl), cu_num_logits=array(qsl),
                       logits_indices=full(qsl[-1], 0), **out, **state)
    except Fault:
        return  # a table too small for the positions: not what this test is about
    assert all(out["input_ids"][qsl[b] + 1 + k] == state["draft_tokens"][r, k]
               for b, r in enumerate(idx) for k in range(drafts[b]))

    accepted = [rng.randint(0, d) for d in drafts]
    sampled = [[rng.randrange(0, 1000) for _ in range(spec + 1)] for _ in range(rows)]
    counts = [sampler_counts(seq_len=out["seq_lens"][b], prefill_len=0, num_logits=drafts[b] + 1,
                             num_sampled=accepted[b] + 1) for b in range(rows)]
    before = state["num_computed_tokens"].flat()
    post_update(idx_mapping=array(idx), num_computed_tokens=state["num_computed_tokens"],
                last_sampled_tokens=state["last_sampled_tokens"], sampled_tokens=array(sampled),
                num_sampled=array([n for n, _ in counts]), num_rejected=array([p for _, p in counts]),
                query_start_loc=array(qsl))
    for b, r in enumerate(idx):
        assert state["num_computed_tokens"][r] == before[r] + accepted[b] + 1
        assert state["last_sampled_tokens"][r] == sampled[b][accepted[b]]
