"""Array libraries under test: numpy always; torch (CPU, and CUDA) and CuPy when importable.

A library that is not installed, or a GPU library without a GPU or without advstep's CUDA
backend, is skipped, never failed; but with ADVSTEP_REQUIRE_TORCH=1 (set by scripts/test_python.sh,
which installs torch) a torch that cannot be imported fails the run instead of skipping its tests.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import advstep  # noqa: E402
from cases import ArrayLib  # noqa: E402


def _numpy_lib() -> ArrayLib:
    import numpy as np

    return ArrayLib("numpy", lambda v, shape, dtype: np.array(v, dtype=dtype).reshape(shape),
                    lambda a: [int(x) for x in a.reshape(-1).tolist()])


def import_torch() -> Any:
    """torch; pytest.skip when it is not installed, an ImportError when ADVSTEP_REQUIRE_TORCH=1."""
    if os.environ.get("ADVSTEP_REQUIRE_TORCH") == "1":
        import torch

        return torch
    return pytest.importorskip("torch")


def _torch_lib(device: str) -> ArrayLib:
    torch = import_torch()
    if device == "cuda":
        if not torch.cuda.is_available():
            pytest.skip("torch sees no CUDA device")
        if not advstep.device_available("cuda"):
            pytest.skip("advstep was built without its CUDA backend")
    dtypes = {"int32": torch.int32, "int64": torch.int64}
    return ArrayLib(f"torch-{device}",
                    lambda v, shape, dtype: torch.tensor(v, dtype=dtypes[dtype], device=device).reshape(shape),
                    lambda a: [int(x) for x in a.reshape(-1).tolist()],
                    torch.cuda.synchronize if device == "cuda" else (lambda: None))


def _cupy_lib() -> ArrayLib:
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("CuPy sees no CUDA device")
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("CuPy sees no CUDA device")
    if not advstep.device_available("cuda"):
        pytest.skip("advstep was built without its CUDA backend")
    return ArrayLib("cupy", lambda v, shape, dtype: cupy.array(v, dtype=dtype).reshape(shape),
                    lambda a: [int(x) for x in cupy.asnumpy(a).reshape(-1).tolist()],
                    lambda: cupy.cuda.get_current_stream().synchronize())


ALL_LIBS = ("numpy", "torch-cpu", "torch-cuda", "cupy")


def make_lib(name: str) -> ArrayLib:
    """The library ``name``; pytest.skip() when it cannot run here."""
    if name == "numpy":
        return _numpy_lib()
    if name == "cupy":
        return _cupy_lib()
    return _torch_lib(name.split("-")[1])


def usable_libs() -> list[str]:
    usable = []
    for name in ALL_LIBS:
        try:
            make_lib(name)
        except pytest.skip.Exception:
            continue
        usable.append(name)
    return usable


_USABLE = usable_libs()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``array_lib`` runs a test once per usable library (test_array_libraries.py reports the rest)."""
    if "array_lib" in metafunc.fixturenames:
        metafunc.parametrize("array_lib", _USABLE, indirect=True)


@pytest.fixture
def array_lib(request: pytest.FixtureRequest) -> ArrayLib:
    return make_lib(request.param)


@pytest.fixture
def numpy_lib() -> ArrayLib:
    return _numpy_lib()
