"""Seeded random advance_step cases, held as flat Python lists, and array libraries to run them on.

A ``Case`` is plain data; ``ArrayLib`` turns a list into a numpy array, a torch tensor or a CuPy
array of the requested dtype and shape, and back. The oracle only ever sees the lists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from oracle import INT32_MAX, INT64_MAX, Fault, Outputs, advance_v1, advance_v2

MUTATED = ("input_tokens", "input_positions", "seq_lens", "slot_mapping")
REQUIRED = ("input_tokens", "sampled_token_ids", "input_positions", "seq_lens", "slot_mapping", "block_tables")
OPTIONAL = ("spec_token", "accepted_num")


@dataclass
class Tensor:
    """A flat list with the shape and dtype ("int32"/"int64"/...) it is handed over as."""

    values: list[int]
    shape: tuple[int, ...]
    dtype: str = "int64"


@dataclass
class Case:
    tensors: dict[str, Tensor]
    num_seqs: int
    num_queries: int
    block_size: int
    speculative: bool = False
    note: dict[str, Any] = field(default_factory=dict)

    def expected(self) -> Outputs:
        """The oracle's result; raises oracle.Fault for a data fault."""
        t = self.tensors
        limit = INT32_MAX if t["seq_lens"].dtype == "int32" else INT64_MAX
        rows = t["block_tables"].shape[0]
        if not self.speculative:
            return advance_v1(t["input_tokens"].values, t["sampled_token_ids"].values,
                              t["input_positions"].values, t["seq_lens"].values, t["slot_mapping"].values,
                              t["block_tables"].values, rows, self.num_seqs, self.num_queries,
                              self.block_size, limit)
        spec_num = t["spec_token"].shape[1]
        return advance_v2(t["input_tokens"].values, t["sampled_token_ids"].values,
                          t["input_positions"].values, t["seq_lens"].values, t["slot_mapping"].values,
                          t["block_tables"].values, rows, self.num_seqs, self.block_size,
                          t["spec_token"].values, t["accepted_num"].values, spec_num, limit)

    def faults(self) -> bool:
        try:
            self.expected()
        except Fault:
            return True
        return False


def _per_token_shape(rng: random.Random, rows: int, width: int) -> tuple[int, ...]:
    return (rows * width,) if rng.random() < 0.5 else (rows, width)


def _garbage(rng: random.Random, count: int) -> list[int]:
    return [rng.randint(-(2**40), 2**40) for _ in range(count)]


def random_v1(rng: random.Random, fault_rate: float = 0.0) -> Case:
    """A V1 case with N >= Q; int32 or int64 seq_lens/block_tables; [N] or [N, 1] per-token arrays."""
    n = rng.randint(1, 48)
    q = rng.randint(1, n)
    b = rng.choice([1, 2, 3, 8, 16, 128])
    w = rng.randint(1, 6)
    seq_dtype = rng.choice(["int32", "int64"])
    table_dtype = rng.choice(["int32", "int64"])
    table_max = INT32_MAX if table_dtype == "int32" else 2**45
    seq_lens = [rng.randint(0, w * b - 1) for _ in range(n)]
    tables = [rng.randint(0, table_max) for _ in range(n * w)]
    if rng.random() < fault_rate:
        i = rng.randrange(q)
        kind = rng.choice(["negative", "past_table", "negative_block"])
        if kind == "negative":
            seq_lens[i] = -rng.randint(1, 50)
        elif kind == "past_table":
            seq_lens[i] = (n * w - i * w) * b + rng.randint(0, 3 * b)
        else:
            tables[i * w + seq_lens[i] // b] = -rng.randint(1, 9)
    table_shape = (n, w) if w > 1 or rng.random() < 0.5 else (n,)
    tensors = {
        "input_tokens": Tensor(_garbage(rng, n), _per_token_shape(rng, n, 1)),
        "sampled_token_ids": Tensor([rng.randint(0, 2**31) for _ in range(q)], (q, 1)),
        "input_positions": Tensor(_garbage(rng, n), _per_token_shape(rng, n, 1)),
        "seq_lens": Tensor(seq_lens, _per_token_shape(rng, n, 1), seq_dtype),
        "slot_mapping": Tensor(_garbage(rng, n), _per_token_shape(rng, n, 1)),
        "block_tables": Tensor(tables, table_shape, table_dtype),
    }
    return Case(tensors, n, q, b)


def random_v2(rng: random.Random, fault_rate: float = 0.0) -> Case:
    """A speculative case: S in [1, 4], N == Q, per-token arrays [N*E] or [N, E]."""
    n = rng.randint(1, 24)
    s = rng.randint(1, 4)
    e = s + 1
    b = rng.choice([1, 2, 4, 16])
    w = rng.randint(1, 6)
    seq_dtype = rng.choice(["int32", "int64"])
    table_dtype = rng.choice(["int32", "int64"])
    accepted = [rng.randint(0, s) for _ in range(n)]
    # every new position p = old + accepted + 1 stays inside the sequence's own row of the table
    positions = [rng.randint(0, w * b - 1 - accepted[k // e] - 1) if w * b - accepted[k // e] - 2 >= 0 else 0
                 for k in range(n * e)]
    sampled: list[int] = []
    for _ in range(n):
        valid = rng.randint(1, e)
        row = [rng.randint(0, 2**31) for _ in range(valid)] + [-1] * (e - valid)
        if valid < e - 1:
            row[valid + 1:] = [rng.choice([-1, rng.randint(0, 99)]) for _ in range(e - valid - 1)]
        sampled += row
    tables = [rng.randint(0, 2**20) for _ in range(n * w)]
    if rng.random() < fault_rate:
        i = rng.randrange(n)
        kind = rng.choice(["accepted", "negative", "empty_row", "past_table"])
        if kind == "accepted":
            accepted[i] = rng.choice([-1, s + 1, s + 7])
        elif kind == "negative":
            positions[i * e + rng.randrange(e)] = -rng.randint(1, 9)
        elif kind == "empty_row":
            sampled[i * e] = -1
        else:
            positions[i * e + rng.randrange(e)] = (n - i) * w * b
    tensors = {
        "input_tokens": Tensor(_garbage(rng, n * e), _per_token_shape(rng, n, e)),
        "sampled_token_ids": Tensor(sampled, (n, e)),
        "input_positions": Tensor(positions, _per_token_shape(rng, n, e)),
        "seq_lens": Tensor([rng.randint(-(2**31), INT32_MAX) for _ in range(n * e)],
                           _per_token_shape(rng, n, e), seq_dtype),
        "slot_mapping": Tensor(_garbage(rng, n * e), _per_token_shape(rng, n, e)),
        "block_tables": Tensor(tables, (n, w), table_dtype),
        "spec_token": Tensor([rng.randint(0, 2**31) for _ in range(n * s)], (n, s)),
        "accepted_num": Tensor(accepted, (n,)),
    }
    return Case(tensors, n, n, b, speculative=True)


@dataclass
class ArrayLib:
    """How one array library makes arrays from lists and reads them back."""

    name: str
    make: Callable[[list[int], tuple[int, ...], str], Any]
    to_list: Callable[[Any], list[int]]
    synchronize: Callable[[], None] = lambda: None


def build_arrays(lib: ArrayLib, case: Case) -> dict[str, Any]:
    return {name: lib.make(t.values, t.shape, t.dtype) for name, t in case.tensors.items()}


def call_kwargs(case: Case, arrays: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for advstep.advance_step (torch_npu's names)."""
    kwargs: dict[str, Any] = {name: arrays[name] for name in REQUIRED}
    kwargs.update(num_seqs=case.num_seqs, num_queries=case.num_queries, block_size=case.block_size)
    for name in OPTIONAL:
        if name in arrays:
            kwargs[name] = arrays[name]
    return kwargs


def contents(lib: ArrayLib, arrays: dict[str, Any]) -> dict[str, list[int]]:
    lib.synchronize()
    return {name: lib.to_list(a) for name, a in arrays.items()}


def snapshot(case: Case) -> dict[str, list[int]]:
    return {name: list(t.values) for name, t in case.tensors.items()}


def outputs_dict(out: Optional[Outputs]) -> dict[str, list[int]]:
    assert out is not None
    return {name: getattr(out, name) for name in MUTATED}
