"""Small case files for the command's tests: CANN ST (ATK) layout and advstep's own JSON."""

from __future__ import annotations

import json
import os
from typing import Any, Optional


def _tensor(name: str, shape: Optional[list[int]], low: int, high: int) -> dict[str, Any]:
    return {"name": name, "type": "tensor", "required": True, "dtype": "int64", "shape": shape,
            "range_values": [low, high], "backward": False, "align_32B": None, "outlier_values": None}


def _attr(name: str, value: int) -> dict[str, Any]:
    return {"name": name, "type": "attr", "required": True, "dtype": "int", "shape": None, "range_values": value,
            "backward": False, "align_32B": None, "outlier_values": None}


def atk_v1(path: str, cases: int = 3) -> str:
    """A V1 ST file in ops-nn's layout (CANN 8.1's Ref names): N=6, Q=3, B=4, random small values."""
    entries = []
    for case_id in range(cases):
        entries.append({
            "id": case_id, "name": "torch.AdvanceStep", "aclnn_name": "AdvanceStep",
            "api_type": "function_advance_step", "standard": {"acc": "default", "perf": "not_key"},
            "inputs": [
                _tensor("inputTokensRef", [6], 0, 50), _tensor("sampledTokenIds", [3, 1], 100, 200),
                _tensor("inputPositionsRef", [6], 0, 9), _tensor("seqLensRef", [6], 0, 11),
                _tensor("slotMappingRef", [6], 0, 0), _tensor("blockTables", [6, 3], 0, 30),
                _attr("numSeqs", 6), _attr("numQueries", 3), _attr("blockSize", 4),
            ],
        })
    return _write(path, entries)


def atk_v2(path: str) -> str:
    """A V2 ST file: N=Q=5, S=2, B=8, acceptedNum up to 4 (above S, as CANN's own data has)."""
    entry = {
        "id": 0, "name": "Advance_step_v2", "aclnn_name": "aclnnAdvanceStepV2",
        "api_type": "function_advance_step_v2", "standard": {"acc": "default", "perf": "not_key"},
        "inputs": [
            _tensor("inputTokens", [15], 0, 99), _tensor("sampledTokenIds", [5, 3], 0, 99),
            _tensor("inputPositions", [15], 0, 40), _tensor("seqLens", [15], 0, 40),
            _tensor("slotMapping", [15], 0, 99), _tensor("blockTables", [5, 8], 0, 99),
            _tensor("specToken", [5, 2], 0, 99), _tensor("acceptedNum", [5], 0, 4),
            _attr("numSeqs", 5), _attr("numQueries", 5), _attr("blockSize", 8),
        ],
    }
    return _write(path, [entry])


def own(path: str, cases: list[dict[str, Any]]) -> str:
    return _write(path, {"cases": cases})


def _write(path: str, data: Any) -> str:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(data, file)
    return os.fspath(path)


def one_line_error(capsys: Any, *names: str) -> str:
    """What the command wrote to stderr, asserted to be one line, no traceback, naming each of @p names."""
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for name in names:
        assert name in err, (name, err)
    return err
