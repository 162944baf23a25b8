"""Calls advstep.advance_step (advance_step_flashinfer, or a prepare-step operation) on a case, on the CPU (numpy) or a GPU (CuPy or torch), and times it."""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from .. import advance_step, advance_step_flashinfer, device_available
from .case import PYTHON_NAMES, Case
from .errors import UsageError
from .prepare_case import PrepareCase
from .prepare_library import prepare_call
from .semantics import Semantics

DEVICES = ("cpu", "cuda")


class Device:
    """Moves numpy arrays to a device and back, and waits for its work."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.to_device: Callable[[np.ndarray], Any] = lambda a: a
        self.to_host: Callable[[Any], np.ndarray] = lambda a: a
        self.synchronize: Callable[[], None] = lambda: None
        if name == "cpu":
            return
        if not device_available("cuda"):
            raise UsageError("--device cuda: this advstep was built without its CUDA backend, or no GPU is visible")
        try:
            import cupy

            self.to_device, self.to_host = cupy.asarray, cupy.asnumpy
            self.synchronize = lambda: cupy.cuda.get_current_stream().synchronize()
        except ImportError:
            try:
                import torch
            except ImportError:
                raise UsageError("--device cuda: needs CuPy or torch to hold the arrays on the GPU") from None
            self.to_device = lambda a: torch.from_numpy(a).cuda()
            self.to_host = lambda t: t.cpu().numpy()
            self.synchronize = torch.cuda.synchronize


def _keyword(case: Case, name: str) -> str:
    """The library's keyword of the tensor file ``name`` (a prepare-step case's files carry theirs)."""
    return name if isinstance(case, PrepareCase) else PYTHON_NAMES[name]


def _arguments(case: Case, device: Device, read_only: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fresh copies of the mutated inputs (each in its case's dtype); the read-only ones from
    ``read_only`` when given."""
    arrays = dict(read_only) if read_only is not None else {}
    for name, array in case.tensors.items():
        if name in case.outputs or read_only is None:
            values = np.array(array, dtype=case.dtype(name), order="C", copy=True)
            arrays[_keyword(case, name)] = device.to_device(values)
    return arrays


def _call(case: Case, semantics: Semantics, arrays: dict[str, Any]) -> None:
    if isinstance(case, PrepareCase):
        prepare_call(case, arrays)
        return
    if case.is_flashinfer:  # vLLM's semantics only: no semantics keywords
        advance_step_flashinfer(case.num_seqs, case.num_queries, case.block_size, **arrays)
        return
    advance_step(num_seqs=case.num_seqs, num_queries=case.num_queries, block_size=case.block_size,
                 **arrays, **semantics.library_keywords())


def compute(case: Case, semantics: Semantics, device: Device) -> dict[str, np.ndarray]:
    """The four outputs the library computes for ``case`` (its inputs are left as they were).
    Raises advstep's exceptions unchanged."""
    arrays = _arguments(case, device)
    _call(case, semantics, arrays)
    device.synchronize()
    return {name: np.asarray(device.to_host(arrays[_keyword(case, name)])).astype(np.int64) for name in case.outputs}


def time_per_call(case: Case, semantics: Semantics, device: Device, budget_s: float = 0.2) -> float:
    """The median time of one call in seconds (fresh inputs each call, synchronised), over up to
    ``budget_s`` seconds of calls."""
    read_only = {key: value for key, value in _arguments(case, device).items()
                 if key not in {_keyword(case, name) for name in case.outputs}}
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < 3 or (time.perf_counter() < deadline and len(samples) < 1000):
        arrays = _arguments(case, device, read_only)
        device.synchronize()
        start = time.perf_counter()
        _call(case, semantics, arrays)
        device.synchronize()
        samples.append(time.perf_counter() - start)
    return float(np.median(samples))
