"""An account of one output element of a prepare-step case (where it comes from, how, and its value), and the
case's inputs read safely for it: a value outside its tensor reads as None, never past the array."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .prepare_case import PrepareCase


@dataclass
class Account:
    """Where an element comes from (``where``), how (``formula``), and the value (None: kept)."""

    where: str
    formula: str
    value: Optional[int]

    def text(self) -> str:
        return f"{self.where}: {self.formula}" if self.where else self.formula


class Context:
    """A case's inputs as flat int64 lists, read safely, and the row each token and logit belongs to."""

    def __init__(self, case: PrepareCase) -> None:
        self.case = case
        self.s = case.settings
        self.flat = {name: np.asarray(a, dtype=np.int64).reshape(-1).tolist() for name, a in case.tensors.items()}
        self.rows = len(self.flat["idx_mapping"])
        self.rewrite = bool(self.s.get("rewrite_query_start_loc"))
        self.token_row = self._owner("positions" if "positions" in self.flat else None, self.qs)
        self.logit_row = self._owner("logits_indices", self.cu) if "cu_num_logits" in self.flat else {}

    def get(self, name: str, index: int) -> Optional[int]:
        values = self.flat.get(name)
        return values[index] if values is not None and 0 <= index < len(values) else None

    def width(self, name: str) -> int:
        shape = self.case.tensors[name].shape
        return int(shape[1]) if len(shape) > 1 else 1

    def cell(self, name: str, row: int, column: int) -> Optional[int]:
        """``name[row, column]`` of a 2-D tensor (None outside it)."""
        width = self.width(name)
        return self.get(name, row * width + column) if 0 <= column < width and row >= 0 else None

    def qs(self, b: int) -> Optional[int]:
        return min(b, self.rows) if self.rewrite else self.get("query_start_loc", b)

    def cu(self, b: int) -> Optional[int]:
        return self.get("cu_num_logits", b)

    def _owner(self, name: Optional[str], start: Any) -> dict[int, int]:
        """Element -> the row b whose [start(b), start(b + 1)) holds it (the first such row)."""
        owner: dict[int, int] = {}
        size = len(self.flat[name]) if name in self.flat else 0
        for b in range(self.rows):
            low, high = start(b), start(b + 1)
            if low is None or high is None:
                break
            for k in range(max(low, 0), min(high, size)):
                owner.setdefault(k, b)
        return owner

    def total(self) -> int:
        return self.qs(self.rows) or 0


def row_where(c: Context, b: int, r: Optional[int], t: Optional[int] = None) -> str:
    text = f"row b = {b} (idx_mapping[{b}] = state row r = {r})"
    if t is not None:
        text += f", token t = {t} (j = {t - (c.qs(b) or 0)})"
    return text


def kept(c: Context, tensor: str, index: int, why: str) -> Account:
    return Account("", f"{tensor}[{index}] {why}: not written, keeps its input {c.get(tensor, index)}", None)


def zeroed(tensor: str, index: int, why: str) -> Account:
    return Account("", f"{tensor}[{index}] {why}: set to 0 (tail zero)", 0)
