"""torch tensors with the lazy negation or conjugation bit set: torch's __dlpack__ exports their stored memory
without the bit, so the library would read (and write) the negation of the tensor's values. They are refused
with ArgumentError (161002), naming the parameter, and nothing is written."""

from __future__ import annotations

import pytest

import advstep
from conftest import import_torch


def prepare(torch, **change) -> dict:  # one decode row: position 5, slot 2 * 4 + 1 = 9
    case = dict(idx_mapping=torch.tensor([0]), query_start_loc=torch.tensor([0, 1], dtype=torch.int32),
                num_computed_tokens=torch.tensor([5], dtype=torch.int32),
                block_tables=torch.tensor([[1, 2]], dtype=torch.int32), block_size=4,
                positions=torch.full((1,), 7), seq_lens=torch.full((1,), 7, dtype=torch.int32),
                slot_mapping=torch.full((1,), 7))
    case.update(change)
    return case


@pytest.mark.parametrize("name", ["positions", "idx_mapping", "num_computed_tokens"])
def test_prepare_inputs_refuses_a_negated_view(name: str) -> None:
    torch = import_torch()
    base = prepare(torch)
    case = prepare(torch, **{name: base[name].clone()._neg_view()})
    before = {k: v.resolve_neg().clone() for k, v in case.items() if isinstance(v, torch.Tensor)}
    with pytest.raises(advstep.ArgumentError) as raised:
        advstep.prepare_inputs(**case)
    assert raised.value.code == advstep._errors.INVALID_ARGUMENT
    assert f"{name} has torch's lazy negation bit set" in str(raised.value)
    for k, v in before.items():
        assert torch.equal(case[k].resolve_neg(), v), k


def test_post_update_refuses_a_negated_view() -> None:
    torch = import_torch()
    state = torch.tensor([5], dtype=torch.int32)
    with pytest.raises(advstep.ArgumentError, match="num_rejected has torch's lazy negation bit set"):
        advstep.post_update(idx_mapping=torch.tensor([0]), num_computed_tokens=state,
                            last_sampled_tokens=torch.tensor([0]), sampled_tokens=torch.tensor([[9, 9]]),
                            num_sampled=torch.tensor([1]), num_rejected=torch.tensor([1])._neg_view(),
                            query_start_loc=torch.tensor([0, 2]))
    assert state.tolist() == [5]


def test_a_resolved_view_is_accepted() -> None:
    torch = import_torch()
    case = prepare(torch, idx_mapping=torch.tensor([0])._neg_view().resolve_neg())
    advstep.prepare_inputs(**case)
    assert (case["positions"].tolist(), case["slot_mapping"].tolist()) == ([5], [9])
