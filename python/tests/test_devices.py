"""Devices and dtypes that numpy cannot express, through a DLPack producer that claims them."""

from __future__ import annotations

import pytest

import advstep
from fake_dlpack import BFLOAT, CUDA, CUDA_HOST, CUDA_MANAGED, FLOAT, METAL, FakeArray
from test_errors import ARGUMENT, V1, expect_error, v1_arrays

np = pytest.importorskip("numpy")


def test_device_available() -> None:
    assert advstep.device_available("cpu") is True
    assert isinstance(advstep.device_available("cuda"), bool)
    with pytest.raises(ValueError, match="unknown device"):
        advstep.device_available("npu")


def test_dlpack_producer_on_the_host_runs() -> None:
    arrays = v1_arrays()
    tokens = arrays["input_tokens"]
    arrays["input_tokens"] = FakeArray(tokens)
    arrays["block_tables"] = FakeArray(arrays["block_tables"])
    advstep.advance_step(*[arrays[k] for k in ("input_tokens", "sampled_token_ids", "input_positions",
                                               "seq_lens", "slot_mapping", "block_tables")], *V1)
    assert tokens.tolist() == [100, 101, 102, 103, 0, 0]


def test_pinned_host_memory_counts_as_host() -> None:
    arrays = v1_arrays()
    slots = arrays["slot_mapping"]
    arrays["slot_mapping"] = FakeArray(slots, CUDA_HOST)
    advstep.advance_step(*[arrays[k] for k in ("input_tokens", "sampled_token_ids", "input_positions",
                                               "seq_lens", "slot_mapping", "block_tables")], *V1)
    assert slots.tolist() == [0, 15, 29, 47, -1, -1]


@pytest.mark.skipif(advstep.device_available("cuda"), reason="this build runs CUDA arrays")
@pytest.mark.parametrize("device_type", [CUDA, CUDA_MANAGED])
def test_cuda_array_without_cuda(device_type: int) -> None:
    arrays = v1_arrays()
    for name in arrays:
        arrays[name] = FakeArray(arrays[name], device_type)
    expect_error(arrays, advstep.ArgumentError, ARGUMENT,
                 "input_tokens is on a device this build or machine cannot run (expected cpu, got cuda)", V1)


def test_mixed_host_and_cuda_arrays() -> None:
    arrays = v1_arrays()
    arrays["block_tables"] = FakeArray(arrays["block_tables"], CUDA)
    expect_error(arrays, advstep.ArgumentError, ARGUMENT,
                 "block_tables must be on the same device as input_tokens (expected cpu, got cuda)", V1)


def test_unsupported_device() -> None:
    arrays = v1_arrays()
    arrays["input_positions"] = FakeArray(arrays["input_positions"], METAL)
    expect_error(arrays, advstep.ArgumentError, ARGUMENT,
                 "input_positions is on a device advstep does not support (expected cpu or cuda, got DLPack device "
                 "type 8)", V1)


@pytest.mark.parametrize("code,bits,name", [(BFLOAT, 16, "bfloat16"), (FLOAT, 16, "float16"), (13, 8, "other")])
def test_dtypes_numpy_lacks(code: int, bits: int, name: str) -> None:
    arrays = v1_arrays()
    host = np.zeros(6, np.uint8 if bits == 8 else np.uint16)
    arrays["input_tokens"] = FakeArray(host, code=code, bits=bits)
    expect_error(arrays, advstep.ArgumentError, ARGUMENT,
                 f"input_tokens has an unsupported dtype (expected int64, got {name})", V1)
