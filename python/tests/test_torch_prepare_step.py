"""torch.ops.advstep.prepare_inputs, .advance_drafts and .post_update (spec prepare_step.md sections 9, 10):
their schemas and mutation annotations, values against the oracle, advstep's errors through the dispatcher,
fake tensors, torch.library.opcheck and torch.compile(fullgraph=True) over a decode loop."""

from __future__ import annotations

import random
import shutil
from typing import Any

import pytest

import advstep
from conftest import import_torch
from prepare_step_arrays import array, full
from prepare_step_oracle import prepare_inputs as oracle_prepare_inputs
from prepare_step_sweep import seeded_case
from test_prepare_inputs import example_1, plant_fault, random_case
from torch_prepare_step_cases import OracleArgumentError, compare, op_keywords, tensors_of, to_torch, values

torch = import_torch()  # skipped without torch, failed without it under ADVSTEP_REQUIRE_TORCH=1

PREPARE_INPUTS_SCHEMA = (
    "advstep::prepare_inputs(*, Tensor idx_mapping, Tensor query_start_loc, Tensor num_computed_tokens, "
    "Tensor[] block_tables, int[1] block_size, Tensor(a!) positions, Tensor(b!) seq_lens, Tensor(c!) slot_mapping, "
    "Tensor(d!)? input_ids=None, Tensor? last_sampled_tokens=None, Tensor? draft_tokens=None, "
    "Tensor? prefill_len=None, Tensor? cu_num_logits=None, Tensor(e!)? logits_indices=None, int num_bonus=1, "
    "Tensor(f!)? token_seq_lens=None, Tensor(g!)? dcp_local_seq_lens=None, int cp_size=1, int cp_rank=0, "
    'int cp_interleave=1, str bound="row", str seq_lens_tail="zero", str token_tail="keep") -> ()'
)


def written(op: Any) -> list[str]:
    """The arguments an overload's schema marks as written (the mutation annotations)."""
    return [a.name for a in op._schema.arguments if a.alias_info is not None and a.alias_info.is_write]


def run_prepare_inputs(case: dict[str, Any]) -> None:
    torch.ops.advstep.prepare_inputs(**op_keywords(case))


def torch_example_1(dtype: str = "int64") -> dict[str, Any]:
    return op_keywords(to_torch(example_1(dtype)))


# -- prepare_inputs

def test_prepare_inputs_schema() -> None:
    op = torch.ops.advstep.prepare_inputs.default
    assert str(op._schema) == PREPARE_INPUTS_SCHEMA
    assert written(op) == ["positions", "seq_lens", "slot_mapping", "input_ids", "logits_indices", "token_seq_lens",
                           "dcp_local_seq_lens"]


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_prepare_inputs_example_1(dtype: str) -> None:
    case = torch_example_1(dtype)
    assert torch.ops.advstep.prepare_inputs(**case) is None
    assert case["positions"].tolist() == [6, 9, 3, 7, 7, 7, 7, 7]
    assert case["seq_lens"].tolist() == [7, 10, 4, 0, 0, 0]
    assert case["input_ids"].tolist() == [104, 101, 102, 7, 7, 7, 7, 7]
    assert case["slot_mapping"].tolist() == [86, 49, 23, -1, -1, -1, -1, -1]
    assert case["logits_indices"].tolist() == [0, 1, 2]


def example_2(dtype: str) -> dict[str, Any]:
    """Ex 2 (ragged rows, drafts, a prefill chunk) with every index tensor in ``dtype``; draft_tokens is read
    through a strided view, as inputs may be (10.3)."""
    drafts = array([[201, -99, 0], [-99, -99, 0], [-99, -99, 0], [301, 302, 0]], dtype)
    return dict(
        idx_mapping=array([1, 3, 0], dtype), query_start_loc=array([0, 5, 8, 10], dtype),
        cu_num_logits=array([0, 1, 4, 6], dtype), num_computed_tokens=array([12, 4, 0, 7], dtype),
        prefill_len=array([2, 10, 0, 5], dtype), last_sampled_tokens=array([200, 0, 0, 300], dtype),
        draft_tokens=drafts.view(0, (4, 2), (3, 1)),
        block_tables=[array([[1, 5, 6, 8], [2, 3, 4, 0], [0, 0, 0, 0], [7, 9, 11, 0]], dtype)], block_size=[4],
        positions=full(12, -9, dtype), seq_lens=full(4, -9, dtype), slot_mapping=full(12, -9, dtype),
        input_ids=array([55] * 5 + [-9] * 7, dtype), logits_indices=full(6, -9, dtype))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_prepare_inputs_example_2_strided_drafts(dtype: str) -> None:
    case = op_keywords(to_torch(example_2(dtype)))
    assert not case["draft_tokens"].is_contiguous()
    torch.ops.advstep.prepare_inputs(**case)
    assert case["positions"].tolist() == [4, 5, 6, 7, 8, 7, 8, 9, 12, 13, -9, -9]
    assert case["seq_lens"].tolist() == [9, 10, 14, 0]
    assert case["input_ids"].tolist() == [55] * 5 + [300, 301, 302, 200, 201, -9, -9]
    assert case["slot_mapping"].tolist() == [12, 13, 14, 15, 16, 39, 44, 45, 32, 33, -1, -1]
    assert case["logits_indices"].tolist() == [4, 5, 6, 7, 8, 9]


@pytest.mark.parametrize("seed", range(120))
def test_prepare_inputs_random_cases_match_the_oracle(seed: int) -> None:
    """test_prepare_inputs.py's random cases (every option, int32 and int64, one fault planted in every third),
    through torch.ops: the same values, or the same fault class at the same b, r, t with nothing written."""
    case = seeded_case(seed, random_case, plant_fault, 3)
    try:
        expected, got = compare(oracle_prepare_inputs, run_prepare_inputs, case)
    except OracleArgumentError:
        pytest.skip("the random case broke an argument rule")
    assert got == expected


def test_python_api_on_torch_tensors_is_the_op() -> None:
    """advstep.prepare_inputs on torch tensors goes through the op (a bare table and an int block_size too)."""
    case = to_torch(example_1())
    calls = []

    class Recorder(torch.utils._python_dispatch.TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            calls.append(func)
            return func(*args, **(kwargs or {}))

    with Recorder():
        advstep.prepare_inputs(**case)
    assert calls == [torch.ops.advstep.prepare_inputs.default]
    assert case["slot_mapping"].tolist() == [86, 49, 23, -1, -1, -1, -1, -1]


@pytest.mark.parametrize("change, error, code, message", [
    (dict(positions=torch.zeros(8, dtype=torch.float32)), advstep.ArgumentError, 161002, "positions"),
    (dict(seq_lens=torch.zeros(2, dtype=torch.int32)), advstep.ArgumentError, 561002, "seq_lens"),
    (dict(last_sampled_tokens=None), advstep.ArgumentError, 161001, "last_sampled_tokens"),
    (dict(block_size=[4, 4]), advstep.ArgumentError, 561002, "block_size"),
    (dict(block_size=0), advstep.ArgumentError, 561002, "block_size"),
    (dict(cp_size=2, cp_interleave=3), advstep.ArgumentError, 561002, "cp_interleave"),
    (dict(bound="rows"), advstep.ArgumentError, 561002, "bound"),
    (dict(token_tail="none"), advstep.ArgumentError, 561002, "token_tail"),
    (dict(positions=torch.zeros(16, dtype=torch.int64)[::2]), advstep.ArgumentError, None, "contiguous"),
    (dict(idx_mapping=torch.tensor([4, 0, 6])), advstep.DataFaultError, 507015, "F1"),
    (dict(query_start_loc=torch.tensor([0, 1, 2, 9], dtype=torch.int32)), advstep.DataFaultError, 507015, "F2"),
])
def test_prepare_inputs_errors_are_advsteps_and_write_nothing(change: dict, error: type, code: Any,
                                                              message: str) -> None:
    case = torch_example_1()
    case.update(change)
    before = values(tensors_of(case))
    with pytest.raises(error, match=message) as raised:
        torch.ops.advstep.prepare_inputs(**case)
    assert code is None or raised.value.code == code, str(raised.value)
    assert values(tensors_of(case)) == before


def test_prepare_inputs_overlapping_outputs_are_refused() -> None:
    case = torch_example_1()
    case["slot_mapping"] = case["positions"]
    with pytest.raises(advstep.ArgumentError, match="positions overlaps slot_mapping"):
        torch.ops.advstep.prepare_inputs(**case)


def test_prepare_inputs_fake_tensors_run_nothing() -> None:
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        case = torch_example_1()
        assert torch.ops.advstep.prepare_inputs(**case) is None


def opcheck_cases() -> list[Any]:
    cases = [pytest.param(lambda: example_1("int32"), id="example_1-int32"),
             pytest.param(lambda: example_1("int64"), id="example_1-int64"),
             pytest.param(lambda: example_2("int32"), id="example_2-int32"),
             pytest.param(lambda: example_2("int64"), id="example_2-int64")]
    for seed in (1, 4, 7, 8):  # random cases with DCP, two groups, token_seq_lens or dcp_local_seq_lens
        cases.append(pytest.param(lambda seed=seed: random_case(random.Random(seed)), id=f"random-{seed}"))
    return cases


@pytest.mark.parametrize("make", opcheck_cases())
def test_prepare_inputs_opcheck(make: Any) -> None:
    case = op_keywords(to_torch(make()))
    torch.library.opcheck(torch.ops.advstep.prepare_inputs.default, (), case)


def test_prepare_inputs_random_sweep_meets_success_and_faults() -> None:
    """The sweep above is not vacuous: it meets successes and the fault classes prepare_inputs has."""
    seen = set()
    for seed in range(120):
        case = seeded_case(seed, random_case, plant_fault, 3)
        try:
            expected, _ = compare(oracle_prepare_inputs, lambda case: None, case)
        except OracleArgumentError:
            continue
        seen.add(expected[0] if expected[0] == "ok" else expected[1])
    assert {"ok", "F1", "F2", "F3", "F4", "F5", "F6"} <= seen, seen


# -- torch.compile over a decode loop

def decode_batch() -> dict[str, Any]:
    """Three requests in state rows 2, 0, 1 of 4, one token each, padded to a graph of M = 4 tokens (B 4, W 4)."""
    return dict(
        idx_mapping=torch.tensor([2, 0, 1]), query_start_loc=torch.tensor([0, 1, 2, 3, 3], dtype=torch.int32),
        num_computed_tokens=torch.tensor([5, 0, 9, 0], dtype=torch.int32),
        last_sampled_tokens=torch.tensor([11, 12, 13, 0]),
        block_tables=torch.arange(40, 56, dtype=torch.int32).reshape(4, 4), block_size=4,
        positions=torch.zeros(4, dtype=torch.int64), seq_lens=torch.zeros(4, dtype=torch.int32),
        slot_mapping=torch.zeros(4, dtype=torch.int64), input_ids=torch.zeros(4, dtype=torch.int32))


def decode_loop(batch: dict[str, Any]) -> Any:
    """Three steps: prepare the inputs, then a stand-in model's next token (input + 100) committed to the state."""
    rows = batch["idx_mapping"]
    for _ in range(3):
        advstep.prepare_inputs(**batch)
        batch["last_sampled_tokens"][rows] = batch["input_ids"][:3].long() + 100
        batch["num_computed_tokens"][rows] += 1
    return batch["slot_mapping"] * 1


def test_decode_loop_compiles_to_one_graph_with_one_op_per_step() -> None:
    eager = decode_batch()
    eager_result = decode_loop(eager)
    # The third step read nc = [7, 2, 11] at rows 2, 0, 1: positions 11, 7, 2 in blocks 50, 41, 44.
    assert eager["positions"].tolist() == [11, 7, 2, 0]
    assert eager["seq_lens"].tolist() == [12, 8, 3, 0]
    assert eager["input_ids"].tolist() == [213, 211, 212, 0]
    assert eager_result.tolist() == [50 * 4 + 3, 41 * 4 + 3, 44 * 4 + 2, -1]

    graphs: list[Any] = []

    def recording_backend(graph_module: Any, example_inputs: Any) -> Any:
        graphs.append(graph_module)
        return graph_module.forward

    torch._dynamo.reset()
    torch.compile(decode_loop, fullgraph=True, backend=recording_backend)(decode_batch())
    assert len(graphs) == 1
    op = torch.ops.advstep.prepare_inputs
    assert len([node for node in graphs[0].graph.nodes if node.target in (op, op.default)]) == 3

    torch._dynamo.reset()
    compiled = decode_batch()
    result = torch.compile(decode_loop, fullgraph=True, backend="aot_eager")(compiled)
    assert torch.equal(result, eager_result)
    for name, tensor in tensors_of(eager).items():
        assert torch.equal(tensors_of(compiled)[name], tensor), name


def test_compiled_prepare_inputs_raises_advsteps_error_and_writes_nothing() -> None:
    batch = decode_batch()
    batch["num_computed_tokens"][0] = -1  # row 1 of the batch reads state row 0: F3
    before = values(tensors_of(batch))
    torch._dynamo.reset()
    compiled = torch.compile(lambda b: advstep.prepare_inputs(**b), fullgraph=True, backend="aot_eager")
    with pytest.raises(advstep.DataFaultError, match="F3") as raised:
        compiled(batch)
    assert raised.value.code == 507015
    assert values(tensors_of(batch)) == before


# -- the three ops in one compiled decode loop with speculative decoding

def speculative_batch() -> dict[str, Any]:
    """Two requests in state rows 3 and 1 of 4, each a bonus token and S = 1 draft (B 4, W 4), padded to M = 6."""
    return dict(
        idx_mapping=torch.tensor([3, 1]), query_start_loc=torch.tensor([0, 2, 4], dtype=torch.int32),
        cu_num_logits=torch.tensor([0, 2, 4], dtype=torch.int32),
        num_computed_tokens=torch.tensor([0, 3, 0, 5], dtype=torch.int32),
        last_sampled_tokens=torch.tensor([0, 31, 0, 51]), draft_tokens=torch.tensor([[0], [32], [0], [52]]),
        prefill_len=torch.zeros(4, dtype=torch.int32),
        block_tables=torch.arange(60, 76, dtype=torch.int32).reshape(4, 4), block_size=4,
        positions=torch.zeros(6, dtype=torch.int64), seq_lens=torch.zeros(2, dtype=torch.int32),
        slot_mapping=torch.zeros(6, dtype=torch.int64), input_ids=torch.zeros(6, dtype=torch.int32),
        logits_indices=torch.zeros(4, dtype=torch.int64),
        # the draft step's buffers
        draft_query_start_loc=torch.zeros(3, dtype=torch.int32), draft_positions=torch.zeros(2, dtype=torch.int64),
        draft_input_ids=torch.zeros(2, dtype=torch.int32), draft_slot_mapping=torch.zeros(2, dtype=torch.int64),
        draft_seq_lens=torch.zeros(2, dtype=torch.int32),
        # the verification: row 0 accepts its draft (n 2, rho 0), row 1 rejects it (n 1, rho 1)
        num_sampled=torch.tensor([2, 1], dtype=torch.int32), num_rejected=torch.tensor([0, 1], dtype=torch.int32))


STEP_INPUTS = ("idx_mapping", "query_start_loc", "cu_num_logits", "num_computed_tokens", "last_sampled_tokens",
               "draft_tokens", "prefill_len", "block_tables", "block_size", "positions", "seq_lens", "slot_mapping",
               "input_ids", "logits_indices")


def speculative_loop(s: dict[str, Any]) -> Any:
    """Three steps of an engine with EAGLE-style drafts, written against the Python API: prepare_inputs, a stand-in
    model and sampler (each logit's token + 100), post_update, then the first draft step from each row's last
    accepted position."""
    rows = s["idx_mapping"]
    for _ in range(3):
        advstep.prepare_inputs(**{k: s[k] for k in STEP_INPUTS})
        sampled = (s["input_ids"][s["logits_indices"]].long() + 100).view(2, 2)
        advstep.post_update(
            idx_mapping=rows, num_computed_tokens=s["num_computed_tokens"],
            last_sampled_tokens=s["last_sampled_tokens"], sampled_tokens=sampled, num_sampled=s["num_sampled"],
            num_rejected=s["num_rejected"], query_start_loc=s["query_start_loc"])
        advstep.advance_drafts(
            idx_mapping=rows, query_start_loc=s["draft_query_start_loc"], positions=s["draft_positions"],
            input_ids=s["draft_input_ids"], slot_mapping=s["draft_slot_mapping"], block_tables=s["block_tables"],
            block_size=4, delta=1, tokens=s["last_sampled_tokens"][rows],
            pos_in=s["num_computed_tokens"][rows].long() - 1, seq_lens=s["draft_seq_lens"], seq_base=s["seq_lens"],
            seq_sub=s["num_rejected"], pos_cap=15, seq_cap=16, rewrite_query_start_loc=True, seq_lens_tail="zero")
        s["draft_tokens"][rows, 0] = s["draft_input_ids"].long() + 1000  # a stand-in drafter
    return s["slot_mapping"] + s["draft_slot_mapping"].sum()


@pytest.mark.skipif(not (hasattr(advstep, "advance_drafts") and hasattr(advstep, "post_update")),
                    reason="advstep.advance_drafts or advstep.post_update is not in this build: their ops run "
                           "through them")
def test_speculative_decode_loop_compiles_to_one_graph() -> None:
    """prepare_inputs, post_update and advance_drafts three times in one graph (no break); functionalised
    (aot_eager) and compiled (inductor), it leaves every tensor as the loop run eagerly does."""
    eager = speculative_batch()
    eager_result = speculative_loop(eager)
    # Each step grows row 3's nc by 2 (both tokens accepted) and row 1's by 1 (its draft rejected).
    assert eager["num_computed_tokens"].tolist() == [0, 6, 0, 11]

    graphs: list[Any] = []

    def recording_backend(graph_module: Any, example_inputs: Any) -> Any:
        graphs.append(graph_module)
        return graph_module.forward

    torch._dynamo.reset()
    torch.compile(speculative_loop, fullgraph=True, backend=recording_backend)(speculative_batch())
    assert len(graphs) == 1
    targets = [str(node.target) for node in graphs[0].graph.nodes if node.op == "call_function"]
    for name in ("prepare_inputs", "post_update", "advance_drafts"):
        assert len([t for t in targets if t.startswith(f"advstep.{name}")]) == 3, (name, targets)

    # inductor compiles C++ for the CPU: where no compiler is installed (the wheel's test) aot_eager alone runs.
    has_compiler = any(shutil.which(cxx) for cxx in ("g++", "c++", "clang++"))
    backends = ("aot_eager", "inductor") if has_compiler else ("aot_eager",)
    for backend in backends:
        torch._dynamo.reset()
        compiled = speculative_batch()
        result = torch.compile(speculative_loop, fullgraph=True, backend=backend)(compiled)
        assert torch.equal(result, eager_result), backend
        for name, tensor in tensors_of(eager).items():
            assert torch.equal(tensors_of(compiled)[name], tensor), (backend, name)
