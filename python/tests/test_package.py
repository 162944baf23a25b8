"""The package's surface: torch_npu's signature, documentation, stubs in step with the extension."""

from __future__ import annotations

import ast
import inspect
import os

import pytest

import advstep

TORCH_NPU_ORDER = ["input_tokens", "sampled_token_ids", "input_positions", "seq_lens", "slot_mapping",
                   "block_tables", "num_seqs", "num_queries", "block_size"]


def test_signature_is_torch_npus() -> None:
    parameters = inspect.signature(advstep.advance_step).parameters
    assert list(parameters)[:9] == TORCH_NPU_ORDER
    assert all(parameters[name].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for name in TORCH_NPU_ORDER)
    for name in ("spec_token", "accepted_num"):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default is None
    # advstep's own keywords after torch_npu's: the semantics (spec sections 4.1 and 6).
    for name, default in (("semantics", "vllm"), ("ascend_cores", None), ("block_bound", "table")):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default == default
    assert len(parameters) == 14


def test_docstring_gives_every_shape_and_the_mutated_arguments() -> None:
    doc = advstep.advance_step.__doc__ or ""
    for name in TORCH_NPU_ORDER + ["spec_token", "accepted_num", "semantics", "ascend_cores", "block_bound"]:
        assert f"{name} :" in doc, name
    for shape in ("[N] or [N, 1]", "[Q, 1]", "[N, E]", "[N*E] or [N, E]", "[N, W]", "[N, S]", "[N]"):
        assert shape in doc, shape
    assert doc.count("Mutated") == 4


def test_stub_matches_the_extension(tmp_path: os.PathLike[str]) -> None:
    """python/advstep/_core.pyi is nanobind.stubgen's output for the built extension."""
    stubgen = pytest.importorskip("nanobind.stubgen")
    out = os.path.join(str(tmp_path), "_core.pyi")
    gen = stubgen.StubGen(advstep._core)
    gen.put(advstep._core)
    with open(out, "w") as f:
        f.write(gen.get())
    shipped = os.path.join(os.path.dirname(advstep.__file__), "_core.pyi")
    with open(shipped) as f, open(out) as g:
        assert _declarations(f.read()) == _declarations(g.read()), \
            "regenerate: python -m nanobind.stubgen -m advstep._core -o python/advstep/_core.pyi"


def _declarations(stub: str) -> str:
    """The stub's declarations, without layout and module docstring (nanobind versions differ there)."""
    body = ast.parse(stub).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return "\n".join(ast.dump(node) for node in body)


def test_typed_package() -> None:
    assert os.path.exists(os.path.join(os.path.dirname(advstep.__file__), "py.typed"))


def test_public_names() -> None:
    assert set(advstep.__all__) == {"ArgumentError", "DataFaultError", "DeviceError", "Error", "advance_step",
                                    "advance_step_flashinfer", "check_cuda_faults", "device_available"}
