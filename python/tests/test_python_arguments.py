"""Arguments the package checks in Python before the extension runs: the integers (a bool is never a
count, a size or a device index; a hostile __index__ is a TypeError) and the answer of the first
array's __dlpack_device__, which picks the stream. Each is refused with advstep's own error, never
a raw TypeError, KeyError or ValueError from inside the package, and nothing is written.
"""

from __future__ import annotations

from typing import Any

import pytest

import advstep
from fake_dlpack import CPU, CUDA, FakeArray
from test_errors import ARGUMENT, V1, call, v1_arrays
from hostile import refused

np = pytest.importorskip("numpy")


class Device(FakeArray):
    """__dlpack_device__ returns ``device`` (or raises it when it is an exception)."""

    def __init__(self, host: Any, device: Any) -> None:
        super().__init__(host)
        self.answer = device

    def __dlpack_device__(self) -> Any:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("device", [(1,), (1, 0, 0), "cpu", None, [1, 0], ("1", 0), (2, "x"), (2, 1.0), (True, 0),
                                    (2, -1), {1: 0}, ValueError("v"), KeyError("k"), TypeError("t")])
def test_dlpack_device_junk(device: Any) -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = Device(arrays["input_tokens"], device)
    raised = refused(arrays, V1, ARGUMENT, "input_tokens.__dlpack_device__() must return (device type, device id) "
                                           "(expected a tuple of two ints, the id >= 0, got: ")
    if isinstance(device, BaseException):
        assert raised.__cause__ is device


def test_dlpack_device_that_is_not_callable() -> None:
    arrays = v1_arrays()
    producer = FakeArray(arrays["input_tokens"])
    producer.__dlpack_device__ = 5  # type: ignore[method-assign]
    arrays["input_tokens"] = producer
    refused(arrays, V1, ARGUMENT, "input_tokens.__dlpack_device__() must return (device type, device id)")


def test_unknown_device_type_is_refused_from_the_capsule() -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = FakeArray(arrays["input_tokens"], 99)
    refused(arrays, V1, ARGUMENT, "input_tokens is on a device advstep does not support (expected cpu or cuda, got "
                                  "DLPack device type 99)")


@pytest.mark.skipif(advstep.device_available("cuda"), reason="the fake CUDA memory would be handed to the GPU")
@pytest.mark.parametrize("module", ["torch", "cupy"])
def test_object_claiming_a_framework_module(module: str) -> None:
    """A CUDA producer whose class says it comes from torch or CuPy (not imported) is no KeyError."""
    kind = type("Tensor", (FakeArray,), {"__module__": module})
    arrays = {name: kind(a, CUDA) for name, a in v1_arrays().items()}
    refused(arrays, V1, ARGUMENT, "input_tokens is on a device this build or machine cannot run (expected cpu, got "
                                  "cuda)")


def test_host_claim_needs_no_stream() -> None:
    arrays = v1_arrays()
    arrays["input_tokens"] = Device(arrays["input_tokens"], (CPU, 0))
    call(arrays, *V1)


# ---- integers: a bool is not a count ----------------------------------------------------------------

@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize("flag", [True, False])
def test_bool_counts_are_refused(position: int, flag: bool) -> None:
    counts = list(V1)
    counts[position] = flag
    name = ("num_seqs", "num_queries", "block_size")[position]
    refused(v1_arrays(), tuple(counts), ARGUMENT,  # type: ignore[arg-type]
            f"advstep.advance_step: {name} must be an integer, not a bool (expected an int, got {flag})")


def test_numpy_bool_count_is_refused() -> None:
    """numpy's bool has no __index__ (numpy 2): an integer is expected."""
    refused(v1_arrays(), (np.bool_(True), 4, 4), 0, "num_seqs must be", error=(TypeError, advstep.ArgumentError))


class BadIndex:
    def __index__(self) -> int:
        raise ValueError("no index today")


def test_hostile_index_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="num_queries must be an integer") as raised:
        call(v1_arrays(), 6, BadIndex(), 4)
    assert isinstance(raised.value.__cause__, ValueError)


@pytest.mark.parametrize("cores", [True, False, BadIndex()])
def test_bool_ascend_cores_are_refused(cores: Any) -> None:
    with pytest.raises(advstep.ArgumentError, match="ascend_cores must be None or a vector-core count"):
        advstep.advance_step(*v1_arrays().values(), *V1, semantics="ascend", ascend_cores=cores)


@pytest.mark.parametrize("device,error,match", [
    (True, advstep.ArgumentError, "device must be an integer, not a bool"),
    (-1, advstep.ArgumentError, "device must be a CUDA device index (expected an integer in [0, 2^31), got -1)"),
    (2**31, advstep.ArgumentError, "device must be a CUDA device index"),
    (1.5, TypeError, "device must be an integer (got float)"),
])
def test_check_cuda_faults_device(device: Any, error: type, match: str) -> None:
    with pytest.raises(error) as raised:
        advstep.check_cuda_faults(device)
    assert match in str(raised.value)


@pytest.mark.parametrize("keyword", ["num_seqs", "num_queries", "block_size", "ascend_cores", "stream"])
def test_extension_refuses_bools_itself(keyword: str) -> None:
    """The private extension call takes no bool either (nanobind's noconvert)."""
    arrays = list(v1_arrays().values())
    counts = {"num_seqs": 6, "num_queries": 4, "block_size": 4}
    extra = {}
    if keyword in counts:
        counts[keyword] = True
    else:
        extra[keyword] = True
    with pytest.raises(TypeError):
        advstep._core.advance_step(*arrays, *counts.values(), **extra)
