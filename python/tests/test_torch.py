"""The torch integration: torch.ops.advstep.advance_step, torch.compile, fake tensors, CUDA graphs."""

from __future__ import annotations

import random
from typing import Any

import pytest

import advstep
from cases import REQUIRED, build_arrays, call_kwargs, contents, outputs_dict, random_v1, random_v2
from conftest import import_torch, make_lib

torch = import_torch()  # skipped without torch, failed without it under ADVSTEP_REQUIRE_TORCH=1

SCHEMA_ARGS = ("Tensor(a!) input_tokens, Tensor sampled_token_ids, Tensor(b!) input_positions, "
               "Tensor(c!) seq_lens, Tensor(d!) slot_mapping, Tensor block_tables, int num_seqs, "
               "int num_queries, int block_size, *, Tensor? spec_token=None, Tensor? accepted_num=None")
# advstep's semantics keywords follow torch_npu's arguments (docs/ascend_semantics.md).
# ascend_cores is a Scalar so that a bool reaches the check that refuses it (an int? would make it 0 or 1).
SEMANTICS_ARGS = 'str semantics="vllm", Scalar? ascend_cores=None, str block_bound="table"'


def op_args(kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    args = tuple(kwargs[n] for n in REQUIRED) + (kwargs["num_seqs"], kwargs["num_queries"], kwargs["block_size"])
    return args, {k: kwargs[k] for k in ("spec_token", "accepted_num") if k in kwargs}


def test_schema_is_torch_npus() -> None:
    schema = str(torch.ops.advstep.advance_step.default._schema)
    assert schema == f"advstep::advance_step({SCHEMA_ARGS}, {SEMANTICS_ARGS}) -> ()"


@pytest.mark.parametrize("make,seed", [(random_v1, 1), (random_v1, 2), (random_v2, 3), (random_v2, 4)])
def test_torch_ops_call(make: Any, seed: int) -> None:
    lib = make_lib("torch-cpu")
    case = make(random.Random(seed))
    arrays = build_arrays(lib, case)
    args, kwargs = op_args(call_kwargs(case, arrays))
    assert torch.ops.advstep.advance_step(*args, **kwargs) is None
    expected = outputs_dict(case.expected())
    got = contents(lib, arrays)
    assert {k: got[k] for k in expected} == expected


def test_errors_cross_the_dispatcher_unchanged() -> None:
    lib = make_lib("torch-cpu")
    case = random_v1(random.Random(5))
    arrays = build_arrays(lib, case)
    arrays["input_tokens"] = arrays["input_tokens"].float()
    before = contents(lib, arrays)
    args, kwargs = op_args(call_kwargs(case, arrays))
    with pytest.raises(advstep.ArgumentError, match="input_tokens has an unsupported dtype") as raised:
        torch.ops.advstep.advance_step(*args, **kwargs)
    assert raised.value.code == 161002
    assert contents(lib, arrays) == before


def test_data_fault_through_torch() -> None:
    lib = make_lib("torch-cpu")
    case = random_v1(random.Random(6))
    arrays = build_arrays(lib, case)
    arrays["seq_lens"].view(-1)[0] = -1
    before = contents(lib, arrays)
    with pytest.raises(advstep.DataFaultError, match="seq_lens\\[0\\] is negative"):
        advstep.advance_step(**call_kwargs(case, arrays))
    assert contents(lib, arrays) == before


@pytest.mark.parametrize("cores", [True, False, 2.0, 0, -1])
def test_torch_op_refuses_what_is_no_core_count(cores: Any) -> None:
    t = {k: torch.ones(8, dtype=torch.int64) for k in ("tokens", "positions", "seq_lens", "slots")}
    sampled = torch.full((4, 1), 2, dtype=torch.int64)
    tables = torch.ones((8, 1), dtype=torch.int64)
    with pytest.raises(advstep.ArgumentError, match="ascend_cores must be None or a vector-core count") as raised:
        torch.ops.advstep.advance_step(t["tokens"], sampled, t["positions"], t["seq_lens"], t["slots"], tables,
                                       8, 4, 4, semantics="ascend", ascend_cores=cores)
    assert raised.value.code == 161002
    assert all(v.tolist() == [1] * 8 for v in t.values())
    torch.ops.advstep.advance_step(t["tokens"], sampled, t["positions"], t["seq_lens"], t["slots"], tables,
                                   8, 4, 4, semantics="ascend", ascend_cores=40)
    assert t["slots"].tolist() == [5, 9, 13, 17, -1, 1, 1, 1]


def test_non_contiguous_and_overlapping_tensors() -> None:
    n = 4
    wide = torch.zeros(n, 2, dtype=torch.int64)
    tokens = torch.zeros(n, dtype=torch.int64)
    sampled = torch.ones(n, 1, dtype=torch.int64)
    tables = torch.arange(n * 2, dtype=torch.int64).reshape(n, 2)
    with pytest.raises(advstep.ArgumentError, match="input_positions must be contiguous"):
        advstep.advance_step(tokens, sampled, wide[:, 0], torch.zeros(n, dtype=torch.int64),
                             torch.zeros(n, dtype=torch.int64), tables, n, n, 4)
    with pytest.raises(advstep.ArgumentError, match="block_tables must be contiguous"):
        advstep.advance_step(tokens, sampled, torch.zeros(n, dtype=torch.int64), torch.zeros(n, dtype=torch.int64),
                             torch.zeros(n, dtype=torch.int64), tables.t().contiguous().t(), n, n, 4)
    with pytest.raises(advstep.ArgumentError, match="input_tokens overlaps slot_mapping"):
        advstep.advance_step(tokens, sampled, torch.zeros(n, dtype=torch.int64), torch.zeros(n, dtype=torch.int64),
                             tokens, tables, n, n, 4)


def test_one_optional_through_torch_ops() -> None:
    case = random_v2(random.Random(8))
    arrays = build_arrays(make_lib("torch-cpu"), case)
    args, kwargs = op_args(call_kwargs(case, arrays))
    del kwargs["accepted_num"]
    with pytest.raises(advstep.ArgumentError, match="accepted_num must be given together with spec_token"):
        torch.ops.advstep.advance_step(*args, **kwargs)


def test_fake_tensors_run_nothing() -> None:
    from torch._subclasses.fake_tensor import FakeTensorMode

    case = random_v2(random.Random(9))
    with FakeTensorMode():
        arrays = build_arrays(make_lib("torch-cpu"), case)
        args, kwargs = op_args(call_kwargs(case, arrays))
        assert torch.ops.advstep.advance_step(*args, **kwargs) is None


@pytest.mark.parametrize("make,seed", [(random_v1, 10), (random_v2, 11)])
def test_opcheck(make: Any, seed: int) -> None:
    case = make(random.Random(seed))
    arrays = build_arrays(make_lib("torch-cpu"), case)
    args, kwargs = op_args(call_kwargs(case, arrays))
    torch.library.opcheck(torch.ops.advstep.advance_step.default, args, kwargs)


@pytest.mark.parametrize("make,seed", [(random_v1, 12), (random_v2, 13)])
def test_torch_compile_fullgraph(make: Any, seed: int) -> None:
    """One graph, no break: the mutations are functionalised and written back into the inputs."""
    lib = make_lib("torch-cpu")
    case = make(random.Random(seed))
    arrays = build_arrays(lib, case)
    kwargs = call_kwargs(case, arrays)

    def step(**kw: Any) -> Any:
        advstep.advance_step(**kw)
        return kw["seq_lens"] + 0

    torch._dynamo.reset()
    compiled = torch.compile(step, fullgraph=True, backend="aot_eager")
    result = compiled(**kwargs)
    expected = outputs_dict(case.expected())
    got = contents(lib, arrays)
    assert {k: got[k] for k in expected} == expected
    assert result.reshape(-1).tolist() == expected["seq_lens"]


def test_schema_marks_exactly_the_four_outputs_as_written() -> None:
    """The mutation annotations torch.compile relies on: the four outputs written, nothing else."""
    arguments = torch.ops.advstep.advance_step.default._schema.arguments
    written = [a.name for a in arguments if a.alias_info is not None and a.alias_info.is_write]
    assert written == ["input_tokens", "input_positions", "seq_lens", "slot_mapping"]


def _decode_batch() -> dict[str, Any]:
    """A batch that three decode steps keep inside its block table: N 4, Q 3, B 4, W 4."""
    n, w = 4, 4
    return {
        "input_tokens": torch.zeros(n, dtype=torch.int64),
        "sampled_token_ids": torch.tensor([[7], [8], [9]], dtype=torch.int64),
        "input_positions": torch.zeros(n, dtype=torch.int64),
        "seq_lens": torch.tensor([0, 3, 5, 9], dtype=torch.int32),
        "slot_mapping": torch.zeros(n, dtype=torch.int64),
        "block_tables": torch.arange(100, 100 + n * w, dtype=torch.int64).reshape(n, w),
        "num_seqs": n, "num_queries": 3, "block_size": 4,
    }


def _decode_loop(batch: dict[str, Any]) -> Any:
    """Three decode steps, as an engine's loop runs them: advance, then the next sampled tokens."""
    for _ in range(3):
        advstep.advance_step(**batch)
        batch["sampled_token_ids"].add_(batch["input_tokens"][:3].view(3, 1))
    return batch["slot_mapping"] * 2


def test_torch_compile_fullgraph_decode_loop() -> None:
    """A decode loop compiles to one graph holding one call per step; functionalised (aot_eager),
    it leaves every tensor as the loop run eagerly does."""
    eager = _decode_batch()
    eager_result = _decode_loop(eager)
    assert eager["seq_lens"].tolist() == [3, 6, 8, 9]  # three steps advanced each query row

    graphs: list[Any] = []

    def recording_backend(graph_module: Any, example_inputs: Any) -> Any:
        graphs.append(graph_module)
        return graph_module.forward

    torch._dynamo.reset()
    recorded = _decode_batch()
    torch.compile(_decode_loop, fullgraph=True, backend=recording_backend)(recorded)
    assert len(graphs) == 1
    op = torch.ops.advstep.advance_step
    calls = [node for node in graphs[0].graph.nodes if node.target in (op, op.default)]
    assert len(calls) == 3

    torch._dynamo.reset()
    compiled = _decode_batch()
    result = torch.compile(_decode_loop, fullgraph=True, backend="aot_eager")(compiled)
    assert torch.equal(result, eager_result)
    for name, tensor in eager.items():
        if isinstance(tensor, torch.Tensor):
            assert torch.equal(compiled[name], tensor), name


def test_compiled_call_raises_advsteps_error_and_changes_nothing() -> None:
    """An error inside a compiled graph reaches the caller as advstep's exception, inputs intact."""
    batch = _decode_batch()
    batch["seq_lens"][1] = -1
    before = {k: v.clone() for k, v in batch.items() if isinstance(v, torch.Tensor)}
    torch._dynamo.reset()
    compiled = torch.compile(lambda b: advstep.advance_step(**b), fullgraph=True, backend="aot_eager")
    with pytest.raises(advstep.DataFaultError, match="seq_lens\\[1\\] is negative") as raised:
        compiled(batch)
    assert raised.value.code == 507015
    for name, tensor in before.items():
        assert torch.equal(batch[name], tensor), name


def _cuda_lib() -> Any:
    return make_lib("torch-cuda")  # skips without a GPU or without advstep's CUDA backend


def test_cuda_side_stream() -> None:
    lib = _cuda_lib()
    case = random_v2(random.Random(14))
    side = torch.cuda.Stream()
    arrays = build_arrays(lib, case)
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        advstep.advance_step(**call_kwargs(case, arrays))
    side.synchronize()
    expected = outputs_dict(case.expected())
    got = contents(lib, arrays)
    assert {k: got[k] for k in expected} == expected


def test_cuda_graph_capture_and_replay() -> None:
    lib = _cuda_lib()
    case = random_v1(random.Random(15))
    arrays = build_arrays(lib, case)
    kwargs = call_kwargs(case, arrays)
    expected = outputs_dict(case.expected())
    originals = {k: v.clone() for k, v in arrays.items()}
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up outside the capture, as CUDA graphs require
        advstep.advance_step(**kwargs)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        advstep.advance_step(**kwargs)
    for name, tensor in arrays.items():
        tensor.copy_(originals[name])
    graph.replay()
    got = contents(lib, arrays)
    assert {k: got[k] for k in expected} == expected


def test_cuda_graph_replay_fault_is_reported_by_check_cuda_faults() -> None:
    """A replay that meets a bad value writes nothing; check_cuda_faults reports it, once."""
    lib = _cuda_lib()
    case = random_v1(random.Random(16))
    arrays = build_arrays(lib, case)
    kwargs = call_kwargs(case, arrays)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        advstep.advance_step(**kwargs)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        advstep.advance_step(**kwargs)
    arrays["seq_lens"].view(-1)[0] = -1
    before = contents(lib, arrays)
    graph.replay()
    with pytest.raises(advstep.DataFaultError, match="data fault in sequence 0") as raised:
        advstep.check_cuda_faults()
    assert raised.value.code == 507015
    assert contents(lib, arrays) == before
    advstep.check_cuda_faults()  # reported once


def test_synchronous_form_refuses_a_capturing_stream() -> None:
    """The native call that waits for its stream says so instead of breaking the capture."""
    lib = _cuda_lib()
    case = random_v1(random.Random(17))
    arrays = build_arrays(lib, case)
    kwargs = call_kwargs(case, arrays)
    stream = torch.cuda.Stream()
    graph = torch.cuda.CUDAGraph()
    with pytest.raises(advstep.ArgumentError, match="cannot run while the stream is captured"):
        with torch.cuda.graph(graph, stream=stream):
            advstep._launch.run(
                tuple(kwargs[n] for n in REQUIRED), kwargs["num_seqs"], kwargs["num_queries"],
                kwargs["block_size"], None, None, stream=torch.cuda.current_stream().cuda_stream,
            )


# ---- torch.ops.advstep.advance_step_flashinfer --------------------------------------------------

FLASHINFER_SCHEMA = (
    "advstep::advance_step_flashinfer(int num_seqs, int num_queries, int block_size, Tensor(a!) input_tokens, "
    "Tensor sampled_token_ids, Tensor(b!) input_positions, Tensor(c!) seq_lens, Tensor(d!) slot_mapping, "
    "Tensor block_tables, Tensor(e!) paged_kv_indices, Tensor(f!) paged_kv_indptr, "
    "Tensor(g!) paged_kv_last_page_len, Tensor(h!) block_table_bound) -> ()"
)


def flashinfer_case(seed: int) -> tuple[tuple[int, int, int], list[Any], dict[str, list[int]]]:
    """A seeded valid case as torch CPU tensors (int32 metadata, as vLLM), and the oracle's outputs."""
    from oracle_flashinfer import advance_flashinfer
    from test_flashinfer import ORDER, make_case

    for attempt in range(seed * 100, seed * 100 + 100):
        n, q, b, w, bits, lists, alias, plant = make_case(attempt)
        if plant == "none" and not alias:
            break
    expected = advance_flashinfer(n, q, b, lists, w, bits)
    tensors = []
    for name in ORDER:
        dtype = torch.int32 if bits.get(name) == 32 else torch.int64
        tensor = torch.tensor(lists[name], dtype=dtype)
        tensors.append(tensor.reshape(n, w) if name == "block_tables" else tensor)
    return (n, q, b), tensors, expected


def test_flashinfer_schema_has_vllms_names_and_mutation_annotations() -> None:
    assert str(torch.ops.advstep.advance_step_flashinfer.default._schema) == FLASHINFER_SCHEMA


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_flashinfer_op_matches_the_oracle(seed: int) -> None:
    from test_flashinfer import ORDER

    counts, tensors, expected = flashinfer_case(seed)
    assert torch.ops.advstep.advance_step_flashinfer(*counts, *tensors) is None
    for name, tensor in zip(ORDER, tensors):
        if name in expected:
            assert tensor.reshape(-1).tolist() == expected[name], name


@pytest.mark.parametrize("seed", [4, 5])
def test_flashinfer_opcheck(seed: int) -> None:
    counts, tensors, _ = flashinfer_case(seed)
    torch.library.opcheck(torch.ops.advstep.advance_step_flashinfer.default, (*counts, *tensors))


def test_flashinfer_errors_are_advsteps() -> None:
    counts, tensors, _ = flashinfer_case(6)
    tensors[7] = tensors[7][:-1]  # paged_kv_indptr [N]
    before = [t.clone() for t in tensors]
    with pytest.raises(advstep.ArgumentError, match="paged_kv_indptr dim 0 must equal num_seqs \\+ 1") as raised:
        advstep.advance_step_flashinfer(*counts, *tensors)
    assert raised.value.code == 561002
    assert all(torch.equal(a, b) for a, b in zip(tensors, before))


def test_flashinfer_compiles_fullgraph() -> None:
    counts, tensors, expected = flashinfer_case(7)
    eager = [t.clone() for t in tensors]
    torch.ops.advstep.advance_step_flashinfer(*counts, *eager)

    @torch.compile(fullgraph=True, backend="eager")
    def step(*ts: Any) -> None:
        torch.ops.advstep.advance_step_flashinfer(*counts, *ts)

    step(*tensors)
    assert all(torch.equal(a, b) for a, b in zip(tensors, eager))
