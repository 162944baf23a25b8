"""Element-wise comparison of output tensors, shared by run, golden, check and explain."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .case import OUTPUTS


@dataclass
class Difference:
    """How ``actual`` differs from ``expected`` in one tensor."""

    tensor: str
    count: int
    size: int
    indices: np.ndarray  # flat indices of the differing elements, ascending
    expected: np.ndarray
    actual: np.ndarray

    def first(self, expected_label: str, actual_label: str) -> str:
        """"slotMapping[2]: reference 5, library 6" for the first differing element."""
        k = int(self.indices[0])
        want, got = np.asarray(self.expected).reshape(-1), np.asarray(self.actual).reshape(-1)
        want_text = str(int(want[k])) if k < want.size else "nothing"
        got_text = str(int(got[k])) if k < got.size else "nothing"
        return f"{self.tensor}[{k}]: {expected_label} {want_text}, {actual_label} {got_text}"


def differences(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray],
                names: tuple[str, ...] = OUTPUTS) -> list[Difference]:
    """The tensors of ``names`` (in that order) whose values differ; shapes are compared as flat arrays."""
    found = []
    for name in names:
        want = np.asarray(expected[name]).reshape(-1)
        got = np.asarray(actual[name]).reshape(-1)
        if want.size != got.size:
            indices = np.arange(min(want.size, got.size), max(want.size, got.size))
            found.append(Difference(name, indices.size, want.size, indices, expected[name], actual[name]))
            continue
        indices = np.flatnonzero(want != got)
        if indices.size:
            found.append(Difference(name, int(indices.size), want.size, indices, expected[name], actual[name]))
    return found


def total_mismatches(found: list[Difference]) -> int:
    return sum(d.count for d in found)
