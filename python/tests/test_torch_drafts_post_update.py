"""torch.ops.advstep.advance_drafts (both delta overloads) and torch.ops.advstep.post_update: schemas and mutation
annotations, the worked examples against the oracle (int32 and int64), advstep's errors with nothing written,
fake tensors and torch.library.opcheck. The ops run through advstep.advance_drafts and advstep.post_update: where
this build lacks one, the tests that run it are skipped, naming it (the schema tests always run)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import advstep
from conftest import import_torch, make_lib
from prepare_step_arrays import array, full
from prepare_step_oracle import advance_drafts as oracle_advance_drafts
from prepare_step_oracle import post_update as oracle_post_update
from torch_prepare_step_cases import arrays_of, compare, op_keywords, tensors_of, to_torch, values

torch = import_torch()  # skipped without torch, failed without it under ADVSTEP_REQUIRE_TORCH=1

X = 7  # a buffer's marker: where the spec writes nothing, X must survive


def needs(api: str) -> Any:
    return pytest.mark.skipif(not hasattr(advstep, api),
                              reason=f"advstep.{api} is not in this build: torch.ops.advstep.{api} runs through it")


def written(op: Any) -> list[str]:
    return [a.name for a in op._schema.arguments if a.alias_info is not None and a.alias_info.is_write]


ADVANCE_DRAFTS_ARGUMENTS = (
    "*, Tensor idx_mapping, Tensor(a!) query_start_loc, Tensor(b!) positions, Tensor(c!) input_ids, "
    "Tensor(d!) slot_mapping, Tensor[] block_tables, int[1] block_size, {} delta, Tensor? tokens=None, "
    "Tensor? sampled_token_ids=None, Tensor? draft_tokens=None, Tensor? pos_in=None, Tensor(e!)? seq_lens=None, "
    "Tensor? seq_base=None, Tensor? seq_sub=None, Tensor(f!)? token_seq_lens=None, int? pos_cap=None, "
    'int? seq_cap=None, str on_cap="clamp", bool rewrite_query_start_loc=False, int cp_size=1, int cp_rank=0, '
    'int cp_interleave=1, str bound="row", str seq_lens_tail="keep"'
)


@pytest.mark.parametrize("overload", ["int", "Tensor"])
def test_advance_drafts_schema(overload: str) -> None:
    op = getattr(torch.ops.advstep.advance_drafts, overload)
    assert str(op._schema) == f"advstep::advance_drafts.{overload}({ADVANCE_DRAFTS_ARGUMENTS.format(overload)}) -> ()"
    # query_start_loc: written by rewrite_query_start_loc=True.
    assert written(op) == ["query_start_loc", "positions", "input_ids", "slot_mapping", "seq_lens", "token_seq_lens"]


def test_post_update_schema() -> None:
    op = torch.ops.advstep.post_update.default
    assert str(op._schema) == (
        "advstep::post_update(*, Tensor idx_mapping, Tensor(a!) num_computed_tokens, Tensor(b!) last_sampled_tokens, "
        "Tensor sampled_tokens, Tensor num_sampled, Tensor num_rejected, Tensor? query_start_loc=None, "
        "Tensor(c!)? total_len=None, Tensor(d!)? all_token_ids=None) -> ()")
    assert written(op) == ["num_computed_tokens", "last_sampled_tokens", "total_len", "all_token_ids"]


def run_op(op: Any) -> Callable[[dict[str, Any]], None]:
    return lambda case: op(**op_keywords(case))


# -- advance_drafts

def example_3_first_step(dtype: str, delta: Any = 1, on_cap: str = "clamp") -> dict[str, Any]:
    """Ex 3's first EAGLE step (MML 12, B 4, W 3): the query_start_loc rewrite, the caps, the length source."""
    return dict(
        idx_mapping=array([2, 0], dtype), block_tables=array([[6, 7, 8], [0, 0, 0], [3, 4, 5]], dtype), block_size=4,
        delta=delta, pos_cap=11, seq_cap=12, positions=full(6, X, dtype), seq_lens=full(4, X, dtype),
        input_ids=full(6, X, dtype), slot_mapping=full(6, X, dtype), query_start_loc=array([5, 1, 0, 7, 7], dtype),
        tokens=array([500, 600], dtype), pos_in=array([11, 7], dtype), seq_base=array([12, 9], dtype),
        seq_sub=array([0, 1], dtype), on_cap=on_cap, rewrite_query_start_loc=True, seq_lens_tail="zero")


def example_5_v2(dtype: str) -> dict[str, Any]:
    """Ex 5's V2 step: a per-row delta tensor, the last sampled token before -1, drafts, token_seq_lens."""
    return dict(idx_mapping=array([0, 1], dtype), query_start_loc=array([0, 2, 4], dtype),
                block_tables=array([[1, 2], [3, 4]], dtype), block_size=4, delta=array([1, 2], dtype),
                sampled_token_ids=array([[7, -1], [8, 9]], dtype), draft_tokens=array([[70], [90]], dtype),
                bound="table", input_ids=full(4, X, dtype), positions=array([5, 6, 2, 3], dtype),
                token_seq_lens=full(4, X, dtype), slot_mapping=full(4, X, dtype))


@needs("advance_drafts")
@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("delta", [1, "tensor"])
def test_advance_drafts_example_3_both_steps(dtype: str, delta: Any) -> None:
    case = example_3_first_step(dtype, 1 if delta == 1 else array([1, 1], dtype))
    expected, got = compare(oracle_advance_drafts, run_op(torch.ops.advstep.advance_drafts), case)
    assert got == expected
    assert got[1]["positions"] == [11, 8, X, X, X, X] and got[1]["slot_mapping"] == [23, 32, -1, -1, -1, -1]
    assert got[1]["query_start_loc"] == [0, 1, 2, 2, 2] and got[1]["seq_lens"] == [12, 9, 0, 0]
    # Step 2 on step 1's results, the in-place pairs: pos_in and seq_base left out read positions and seq_lens.
    for name in ("pos_in", "seq_base", "seq_sub"):
        del case[name]
    case.update(tokens=array([501, 601], dtype), rewrite_query_start_loc=False, seq_lens_tail="keep")
    expected, got = compare(oracle_advance_drafts, run_op(torch.ops.advstep.advance_drafts), case)
    assert got == expected
    assert got[1]["positions"] == [11, 9, X, X, X, X] and got[1]["slot_mapping"] == [23, 33, -1, -1, -1, -1]


@needs("advance_drafts")
def test_advance_drafts_padding_at_the_cap() -> None:
    case = example_3_first_step("int64", on_cap="pad")
    expected, got = compare(oracle_advance_drafts, run_op(torch.ops.advstep.advance_drafts.int), case)
    assert got == expected
    assert got[1]["positions"][:2] == [0, 8] and got[1]["slot_mapping"][:2] == [-1, 32]


@needs("advance_drafts")
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_advance_drafts_example_5_v2(dtype: str) -> None:
    expected, got = compare(oracle_advance_drafts, run_op(torch.ops.advstep.advance_drafts.Tensor), example_5_v2(dtype))
    assert got == expected
    assert got[1]["input_ids"] == [7, 70, 9, 90] and got[1]["slot_mapping"] == [10, 11, 16, 17]


@needs("advance_drafts")
@pytest.mark.parametrize("change, fault", [
    (dict(sampled_token_ids=array([[8, 9], [-1, 7]])), ("F7", 1, 1, None)),  # a sampled row starting with -1
    (dict(delta=array([1, -9])), ("F3", 1, 1, 2)),  # a new position below 0
    (dict(idx_mapping=array([0, 2])), ("F1", 1, 2, None)),  # a state row past Rmax = 2
])
def test_advance_drafts_faults_match_the_oracle_and_write_nothing(change: dict, fault: tuple) -> None:
    case = example_5_v2("int64")
    case.update(change)
    expected, got = compare(oracle_advance_drafts, run_op(torch.ops.advstep.advance_drafts), case)
    assert got == expected == ("fault",) + fault


@needs("advance_drafts")
@pytest.mark.parametrize("change, code, message", [
    (dict(tokens=torch.tensor([1, 2])), 161001, "tokens"),  # both tokens and sampled_token_ids
    (dict(sampled_token_ids=None), 161001, "tokens"),  # neither
    (dict(on_cap="pad"), 161001, "pos_cap"),  # pad needs pos_cap
    (dict(seq_cap=0), 561002, "seq_cap"),
    (dict(on_cap="cap"), 561002, "on_cap"),
    (dict(input_ids=torch.zeros(4, dtype=torch.float64)), 161002, "input_ids"),
])
def test_advance_drafts_argument_errors_are_advsteps(change: dict, code: int, message: str) -> None:
    case = op_keywords(to_torch(example_5_v2("int64")))
    case.update(change)
    before = values(tensors_of(case))
    with pytest.raises(advstep.ArgumentError, match=message) as raised:
        torch.ops.advstep.advance_drafts(**case)
    assert raised.value.code == code, str(raised.value)
    assert values(tensors_of(case)) == before


@needs("advance_drafts")
@pytest.mark.parametrize("make, overload", [(lambda: example_3_first_step("int64"), "int"),
                                            (lambda: example_5_v2("int32"), "Tensor")])
def test_advance_drafts_python_api_on_torch_tensors_is_the_op(make: Any, overload: str) -> None:
    """advstep.advance_drafts on torch tensors (a bare table, an int block_size) runs the overload delta names."""
    oracle_case = make()
    case = to_torch(oracle_case)
    calls = []

    class Recorder(torch.utils._python_dispatch.TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            calls.append(func)
            return func(*args, **(kwargs or {}))

    with Recorder():
        advstep.advance_drafts(**case)
    assert calls == [getattr(torch.ops.advstep.advance_drafts, overload)]
    oracle_advance_drafts(**oracle_case)
    assert values(tensors_of(case)) == {name: a.flat() for name, a in arrays_of(oracle_case).items()}


@needs("advance_drafts")
@pytest.mark.parametrize("make", [
    pytest.param(lambda: example_3_first_step("int32"), id="int-delta-int32"),
    pytest.param(lambda: example_3_first_step("int64"), id="int-delta-int64"),
    pytest.param(lambda: example_5_v2("int32"), id="tensor-delta-int32"),
    pytest.param(lambda: example_5_v2("int64"), id="tensor-delta-int64"),
])
def test_advance_drafts_opcheck(make: Any) -> None:
    case = op_keywords(to_torch(make()))
    overload = "Tensor" if isinstance(case["delta"], torch.Tensor) else "int"
    torch.library.opcheck(getattr(torch.ops.advstep.advance_drafts, overload), (), case)


def test_fake_tensors_run_nothing() -> None:
    """Under FakeTensorMode no kernel runs, so the ops trace whether or not their Python API exists."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        assert torch.ops.advstep.advance_drafts(**op_keywords(to_torch(example_5_v2("int64")))) is None
        assert torch.ops.advstep.post_update(**to_torch(example_2_post_update("int64"))) is None


# -- post_update

def example_2_post_update(dtype: str) -> dict[str, Any]:
    """Ex 2's verification (n = [0, 2, 2], rho = [0, 1, 0]) with a token history as well."""
    return dict(idx_mapping=array([1, 3, 0], dtype), num_computed_tokens=array([12, 4, 0, 7], dtype),
                last_sampled_tokens=array([200, 0, 0, 300], dtype),
                sampled_tokens=array([[X, X], [301, 350], [201, 260]], dtype), num_sampled=array([0, 2, 2], dtype),
                num_rejected=array([0, 1, 0], dtype), query_start_loc=array([0, 5, 8, 10], dtype),
                total_len=array([3, 5, 0, 2], dtype), all_token_ids=full((4, 6), X, dtype))


@needs("post_update")
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_post_update_example_2(dtype: str) -> None:
    expected, got = compare(oracle_post_update, run_op(torch.ops.advstep.post_update), example_2_post_update(dtype))
    assert got == expected
    assert got[1]["num_computed_tokens"] == [14, 9, 0, 9]
    assert got[1]["last_sampled_tokens"] == [260, 0, 0, 350]
    assert got[1]["total_len"] == [5, 5, 0, 4]


@needs("post_update")
@pytest.mark.parametrize("change, fault", [
    (dict(idx_mapping=array([1, 3, 3])), ("F1", 2, 3, None)),  # two rows update state row 3
    (dict(num_sampled=array([0, 3, 2])), ("F8", 1, 3, None)),  # n > K = 2
    (dict(total_len=array([5, 5, 0, 2])), ("F8", 2, 0, None)),  # the history past its width 6
    (dict(query_start_loc=array([0, 5, 4, 10])), ("F2", None, None, None)),
])
def test_post_update_faults_match_the_oracle_and_write_nothing(change: dict, fault: tuple) -> None:
    case = example_2_post_update("int64")
    case.update(change)
    expected, got = compare(oracle_post_update, run_op(torch.ops.advstep.post_update), case)
    assert got == expected
    assert got[:2] == ("fault", fault[0])


@needs("post_update")
@pytest.mark.parametrize("change, code, message", [
    (dict(all_token_ids=None), 161001, "all_token_ids"),  # total_len without all_token_ids
    (dict(num_sampled=torch.zeros(3, dtype=torch.float32)), 161002, "num_sampled"),
    (dict(sampled_tokens=torch.zeros(3, 0, dtype=torch.int64)), 561002, "sampled_tokens"),
])
def test_post_update_argument_errors_are_advsteps(change: dict, code: int, message: str) -> None:
    case = to_torch(example_2_post_update("int64"))
    case.update(change)
    before = values(tensors_of(case))
    with pytest.raises(advstep.ArgumentError, match=message) as raised:
        torch.ops.advstep.post_update(**case)
    assert raised.value.code == code, str(raised.value)
    assert values(tensors_of(case)) == before


@needs("post_update")
@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("history", [True, False])
def test_post_update_opcheck(dtype: str, history: bool) -> None:
    case = to_torch(example_2_post_update(dtype))
    if not history:
        del case["total_len"], case["all_token_ids"]
    torch.library.opcheck(torch.ops.advstep.post_update.default, (), case)


@needs("post_update")
def test_python_api_on_torch_tensors_is_the_op() -> None:
    case = to_torch(example_2_post_update("int64"))
    calls = []

    class Recorder(torch.utils._python_dispatch.TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            calls.append(func)
            return func(*args, **(kwargs or {}))

    with Recorder():
        advstep.post_update(**case)
    assert calls == [torch.ops.advstep.post_update.default]
    assert case["num_computed_tokens"].tolist() == [14, 9, 0, 9]


@needs("post_update")
def test_post_update_cuda_graph_capture_replay_and_fault() -> None:
    """Captured, the op only enqueues; a replay gives the oracle's state, and a replay meeting a fault writes
    nothing and leaves the fault to check_cuda_faults."""
    make_lib("torch-cuda")  # skips without a GPU or without advstep's CUDA backend
    oracle_case = example_2_post_update("int64")
    case = to_torch(oracle_case, device="cuda")
    originals = {name: t.clone() for name, t in tensors_of(case).items()}
    oracle_post_update(**oracle_case)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up outside the capture
        torch.ops.advstep.post_update(**case)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        torch.ops.advstep.post_update(**case)
    for name, tensor in tensors_of(case).items():
        tensor.copy_(originals[name])
    graph.replay()
    torch.cuda.synchronize()
    assert values(tensors_of(case)) == {name: a.flat() for name, a in arrays_of(oracle_case).items()}

    for name, tensor in tensors_of(case).items():
        tensor.copy_(originals[name])
    case["num_sampled"][1] = 3  # F8: n > K = 2
    before = values(tensors_of(case))
    graph.replay()
    with pytest.raises(advstep.DataFaultError, match="F8") as raised:
        advstep.check_cuda_faults()
    assert raised.value.code == 507015
    assert values(tensors_of(case)) == before
