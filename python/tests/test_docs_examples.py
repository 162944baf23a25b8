"""docs/ascend_semantics.md says its examples can be run as written: section 2's inputs, run
under both semantics, give the table the page prints."""

from __future__ import annotations

import os
import re

import pytest

import advstep

PAGE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "ascend_semantics.md")


def _section(number: int) -> str:
    if not os.path.exists(PAGE):
        pytest.skip("docs/ascend_semantics.md is not beside the tests")
    with open(PAGE, encoding="utf-8") as file:
        text = file.read()
    found = re.search(rf"^### {number}\. .*?(?=^### |\Z)", text, flags=re.M | re.S)
    assert found, f"section {number} is missing"
    return found.group(0)


def _table(section: str) -> dict[str, tuple[list[int], list[int]]]:
    """The rows `| name | `vLLM values` | `Ascend values` |` of the section's table."""
    rows = re.findall(r"^\| (\w+) \| `([-\d ]+)` \| `([-\d ]+)` \|$", section, flags=re.M)
    return {name: ([int(v) for v in vllm.split()], [int(v) for v in ascend.split()]) for name, vllm, ascend in rows}


def test_section_2_runs_as_written(numpy_lib: object) -> None:
    import numpy as np

    section = " ".join(_section(2).split())
    # The inputs, as the page states them.
    for stated in ("N 6, Q 3, B 2, W 2", "`seqLens = [0..5]`", "`sampledTokenIds = [[100], [101], [102]]`",
                   "`blockTables = [[10, 11], [12, 13], [14, 15], [16, 17], [18, 19], [20, 21]]`",
                   "(inputTokens, inputPositions, slotMapping) 9", "`cores = 2`"):
        assert stated in section, stated
    table = _table(_section(2))
    assert set(table) == {"inputTokens", "seqLens", "slotMapping"}

    def run(**semantics: object) -> dict[str, list[int]]:
        arrays = {
            "inputTokens": np.full(6, 9, dtype=np.int64),
            "inputPositions": np.full(6, 9, dtype=np.int64),
            "seqLens": np.arange(6, dtype=np.int64),
            "slotMapping": np.full(6, 9, dtype=np.int64),
        }
        advstep.advance_step(arrays["inputTokens"], np.array([[100], [101], [102]], dtype=np.int64),
                             arrays["inputPositions"], arrays["seqLens"], arrays["slotMapping"],
                             np.arange(10, 22, dtype=np.int64).reshape(6, 2), 6, 3, 2, **semantics)
        return {name: values.tolist() for name, values in arrays.items()}

    vllm, ascend = run(), run(semantics="ascend", ascend_cores=2)
    for name, (vllm_row, ascend_row) in table.items():
        assert vllm[name] == vllm_row, name
        assert ascend[name] == ascend_row, name
