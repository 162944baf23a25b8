"""Seeded random exports thrown at advance_step: every outcome is a run or one of advstep's errors.

Buffers with random fields (format, item size, shape, strides, suboffsets, length, read-only flag)
and DLPack producers with random fields (version, flags, name, ndim, null pointers, byte offset,
device, dtype, a reused capsule, a capsule passed directly) replace one argument of a valid call.
Whatever the importer does, the process survives, the error is an advstep.Error, nothing is written
on an error, and every DLPack tensor is released exactly when its capsule was consumed.

The memory a random export describes always lies inside its host array, so a layout the importer
wrongly accepts corrupts nothing outside it (the sanitizer build, scripts/test_python_sanitize.sh,
would report a read or write past it). ADVSTEP_FUZZ_CASES sets the count (default 2000 each).
"""

from __future__ import annotations

import math
import os
import random
from typing import Any

import pytest

import advstep
from fake_buffer import CraftedBuffer
from fake_dlpack import BFLOAT, CUDA_HOST, FLOAT, INT, IS_COPIED, READ_ONLY, UINT, FakeArray, capsule_name
from test_errors import V1, V2, call, v1_arrays, v2_arrays

np = pytest.importorskip("numpy")

CASES = int(os.environ.get("ADVSTEP_FUZZ_CASES", "2000"))
FORMATS = ["q", "<q", "=q", "@q", ">q", "!q", "l", "<l", "i", "<i", "h", "b", "B", "Q", "n", "<n", "N", "d", "f",
           "e", "?", "c", "s", "2q", "qq", "", "T{q}", "x", "P", "Zd", "@", "<", "q ", "\u00e9"]
HOST_BYTES = 4096


def base_call(rng: random.Random) -> tuple[dict[str, Any], tuple[int, int, int]]:
    """A valid V1 or V2 call, its counts sometimes off by one."""
    arrays, counts = (v1_arrays(), list(V1)) if rng.random() < 0.6 else (v2_arrays(), list(V2))
    if rng.random() < 0.2:
        counts[rng.randrange(3)] += rng.choice((-1, 1))
    return arrays, (counts[0], counts[1], counts[2])


def snapshots(arrays: dict[str, Any]) -> dict[str, bytes]:
    return {name: a.tobytes() for name, a in arrays.items() if isinstance(a, np.ndarray)}


def random_buffer(rng: random.Random, host: Any, template: Any) -> CraftedBuffer:
    """Random fields over ``host``, often close to ``template`` (the numpy array being replaced)."""
    itemsize = rng.choice((8, 8, 8, 4, 0, 1, 2, 3, 16))
    if rng.random() < 0.5:
        shape = list(template.shape)
    else:
        shape = [rng.randint(0, 9) for _ in range(rng.randint(0, 3))]
    if itemsize * math.prod(shape) > HOST_BYTES:
        shape = [1] * len(shape)
    strides = None
    if rng.random() < 0.5:
        row_major = [itemsize * math.prod(shape[d + 1:]) for d in range(len(shape))]
        strides = [s if rng.random() < 0.7 else rng.choice((-s, 2 * s, s + 1, 0)) for s in row_major]
    suboffsets = None if rng.random() < 0.85 else [rng.choice((-1, -1, 0)) for _ in shape]
    length = None if rng.random() < 0.85 else rng.randint(0, HOST_BYTES)
    fmt = rng.choice(FORMATS) if rng.random() < 0.7 else "q"
    return CraftedBuffer(host, fmt, itemsize, shape, strides, suboffsets, rng.random() < 0.15, length)


def test_random_buffer_exports() -> None:
    rng = random.Random(20261207)
    outcomes = {"ran": 0, "refused": 0}
    for case in range(CASES):
        arrays, counts = base_call(rng)
        name = rng.choice(sorted(arrays))
        host = np.full(HOST_BYTES // 8, -7, np.int64)
        host.reshape(-1)[: arrays[name].size] = arrays[name].reshape(-1)
        crafted = random_buffer(rng, host, arrays[name])
        arrays[name] = crafted.view
        before, host_before = snapshots(arrays), host.tobytes()
        try:
            call(arrays, *counts)
        except advstep.Error:
            outcomes["refused"] += 1
            assert snapshots(arrays) == before and host.tobytes() == host_before, f"case {case} wrote on an error"
        else:
            outcomes["ran"] += 1
        del crafted
    assert outcomes["ran"] > 0 and outcomes["refused"] > 0, outcomes


def random_producer(rng: random.Random, template: Any) -> tuple[FakeArray, Any]:
    """A FakeArray over a copy of ``template`` with random fields; the object to pass (itself or a
    capsule it made)."""
    wide = np.concatenate([[-555], template.reshape(-1)]).astype(template.dtype)
    host = wide[1:].reshape(template.shape)
    code, bits = rng.choice([(INT, 64)] * 6 + [(INT, 32), (UINT, 64), (FLOAT, 64), (BFLOAT, 16), (6, 8), (INT, 7)])
    options = {
        "versioned": rng.choice((None, None, True, False)),
        "version": rng.choice(((1, 0), (1, 0), (1, 5), (0, 9), (2, 0))),
        "flags": rng.choice((0, 0, 0, READ_ONLY, IS_COPIED, 4)),
        "reuse_capsule": rng.random() < 0.2,
        "ndim": rng.choice((None,) * 8 + (-1, 0)),
        "null_shape": rng.random() < 0.05,
        "null_strides": rng.random() < 0.2,
        "null_data": rng.random() < 0.05,
        "byte_offset": rng.choice((0, 0, 0, 8)),
        "old_producer": rng.random() < 0.1,
    }
    if rng.random() < 0.05:
        options["name"] = rng.choice((b"tensor", b"used_dltensor", b"dltensor_versioned"))
    device = rng.choice((1,) * 8 + (CUDA_HOST, 8, 99))
    producer = FakeArray(host, device, 0, code, bits, **options)
    producer.wide = wide  # type: ignore[attr-defined]
    if producer.reuse_capsule and rng.random() < 0.5:
        producer.__dlpack__()  # its capsule is then handed out again, and is consumed by the call
    exported = producer.__dlpack__() if rng.random() < 0.2 else producer
    return producer, exported


def test_random_dlpack_producers() -> None:
    rng = random.Random(20261208)
    outcomes = {"ran": 0, "refused": 0}
    for case in range(CASES):
        arrays, counts = base_call(rng)
        producers = []
        for name in rng.sample(sorted(arrays), rng.randint(1, 3)):
            producer, arrays[name] = random_producer(rng, arrays[name])
            producers.append(producer)
        before = snapshots(arrays)
        hosts_before = [p.wide.tobytes() for p in producers]
        try:
            call(arrays, *counts)
        except advstep.Error:
            outcomes["refused"] += 1
            assert snapshots(arrays) == before, f"case {case} wrote on an error"
            assert [p.wide.tobytes() for p in producers] == hosts_before, f"case {case} wrote on an error"
        else:
            outcomes["ran"] += 1
        for p in producers:
            renamed = p._capsule is not None and capsule_name(p._capsule) != (p.name or b"").decode()
            consumed = renamed and (capsule_name(p._capsule) or "").startswith("used_")
            # Released once when consumed (by this call, or by the one that consumed a reused capsule),
            # never when refused unconsumed.
            assert p.deleted == (1 if consumed else 0), (case, p.deleted, capsule_name(p._capsule))
            assert p.wide[0] == -555, f"case {case} wrote before the tensor"
    assert outcomes["ran"] > 0 and outcomes["refused"] > 0, outcomes
