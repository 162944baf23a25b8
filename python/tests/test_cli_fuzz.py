"""Fuzz (seeded, bounded to a few seconds): valid case files, manifests, .npy and .bin files are
mutated at random and given to every verb; each answers 0, 1 or 2, with at most one line on stderr
and never a traceback (an escaping exception fails the test; the internal-error status 3 too).

The machine's available memory is taken as 256 MB here, so that a mutation asking for a large case
is refused at once rather than computed; the guard itself is tested in test_cli_bad_files.py.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import warnings
from typing import Any

import pytest

import cli_fixtures
from advstep.cli import library, limits
from cli_sandbox import advstep

SEEDS = range(3)
MUTATIONS_PER_SEED = 30
BUDGET_S = 4.0  # per seed: the fuzz stops early on a slow machine rather than run long

ODD_VALUES: list[Any] = [8.0, -1, 0, 1, 2, 7, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30, 1e308, -0.0,
                         "", "x", "..", "/", None, True, False, [], {}, [[]], [0, 2**64], [-1, -2], [5, 1],
                         [2**32, 2**32], [0], {"values": [1]}, "advstep-case/1", "advstep-case-set/1"]


@pytest.fixture(autouse=True)
def _small_machine(monkeypatch) -> None:
    monkeypatch.setattr(limits, "available_memory", lambda: 256 << 20)
    monkeypatch.setattr(library, "time_per_call", lambda *args, **kwargs: 1e-6)


def _nodes(data: Any, path: tuple = ()) -> list[tuple]:
    """Every path into ``data`` (dict keys and list positions)."""
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _nodes(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _nodes(value, path + (index,))
    return found


def _odd(rng: random.Random) -> Any:
    """A fresh copy of one of ODD_VALUES (never the shared object: edits must not reach the list)."""
    return json.loads(json.dumps(rng.choice(ODD_VALUES)))


def mutate_json(data: Any, rng: random.Random) -> Any:
    """``data`` with one to three random edits: a value replaced, a key dropped, an item repeated."""
    data = json.loads(json.dumps(data))
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_nodes(data))
        if not path:
            return _odd(rng)
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = rng.random()
        if action < 0.7:
            parent[path[-1]] = _odd(rng)
        elif action < 0.85:
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[path[-1]])))
        else:
            parent[path[-1] + "_extra" if isinstance(path[-1], str) else path[-1]] = _odd(rng)
    return data


def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    """A .npy or .bin file with its header edited, bytes flipped, or its length changed."""
    action = rng.random()
    if action < 0.4 and raw.startswith(b"\x93NUMPY") and b"\n" in raw:  # (an earlier edit may have cut it)
        header_end = raw.index(b"\n") + 1
        header = raw[:header_end].decode("latin1")
        for old, new in rng.sample([("<i8", rng.choice(["<f8", "|O", "<i4", ">i8", "<u8", "|b1", "<V8"])),
                                    ("False", "True"), ("(", "(4000000000, "), ("(", "(0, "),
                                    ("'shape'", "'shaep'"), ("{", "[")], k=2):
            header = header.replace(old, new, 1)
        return header.encode("latin1") + raw[header_end:]
    if action < 0.6:
        return raw[: rng.randint(0, len(raw))]
    if action < 0.8:
        edited = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            if edited:
                edited[rng.randrange(len(edited))] = rng.randrange(256)
        return bytes(edited)
    return raw + bytes(rng.randrange(256) for _ in range(rng.choice([1, 8, 64])))


def _check(argv: list[object], capsys) -> None:
    with warnings.catch_warnings():  # a warning would be a second line on stderr
        warnings.simplefilter("error")
        status = advstep(*argv)
    err = capsys.readouterr().err
    assert status in (0, 1, 2), (argv, status, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, (argv, err)


def _case_files(tmp_path) -> list[tuple[str, Any]]:
    atk_v1 = json.loads(open(cli_fixtures.atk_v1(tmp_path / "v1.json", cases=2)).read())
    atk_v2 = json.loads(open(cli_fixtures.atk_v2(tmp_path / "atk_aclnnAdvanceStepV2.json")).read())
    own = {"cases": [
        {"name": "plain", "numSeqs": 8, "numQueries": 4, "blockSize": 2, "blockTableWidth": 6,
         "tensors": {"seqLens": {"range": [0, 11]}, "blockTables": {"range": [0, 40]}}},
        {"name": "fixed", "numSeqs": 3, "numQueries": 1, "blockSize": 4,
         "tensors": {"seqLens": {"values": [5, 0, 0]}, "blockTables": {"shape": [3, 2], "values": [1, 2, 3, 4, 5, 6]}}},
        {"name": "spec", "numSeqs": 4, "numQueries": 4, "blockSize": 4, "specNum": 2}]}
    return [("atk_aclnnAdvanceStep.json", atk_v1), ("atk_aclnnAdvanceStepV2.json", atk_v2), ("cases.json", own)]


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_case_files(tmp_path, capsys, seed) -> None:
    rng = random.Random(seed)
    originals = _case_files(tmp_path)
    deadline = time.monotonic() + BUDGET_S
    for k in range(MUTATIONS_PER_SEED):
        if time.monotonic() > deadline:
            break
        name, data = rng.choice(originals)
        path = tmp_path / f"mutated_{k}_{name}"
        path.write_text(json.dumps(mutate_json(data, rng)))
        verb = rng.choice(["golden", "run", "run-out"])
        if verb == "golden":
            _check(["golden", path, "--out", tmp_path / f"out_{k}", "--seed", rng.randint(0, 5)], capsys)
        elif verb == "run":
            _check(["run", path, "--seed", rng.randint(0, 5)], capsys)
        else:
            _check(["run", path, "--out", tmp_path / f"ran_{k}", "--format", rng.choice(["npy", "bin", "both"])],
                   capsys)


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_golden_folders(tmp_path, capsys, seed) -> None:
    rng = random.Random(100 + seed)
    cases = []
    for name, data in _case_files(tmp_path):
        (tmp_path / name).write_text(json.dumps(data))
        cases.append(tmp_path / name)
    gold = tmp_path / "gold"
    assert advstep("golden", cases[rng.randrange(len(cases))], "--out", gold, "--count", 2) == 0
    files = sorted(p for p in gold.rglob("*") if p.is_file())
    deadline = time.monotonic() + BUDGET_S
    for k in range(MUTATIONS_PER_SEED):
        if time.monotonic() > deadline:
            break
        copy = tmp_path / f"copy_{k}"
        shutil.copytree(gold, copy)
        for _ in range(rng.randint(1, 2)):
            target = copy / rng.choice(files).relative_to(gold)
            if target.suffix == ".json":
                target.write_text(json.dumps(mutate_json(json.loads(target.read_text()), rng)))
            else:
                target.write_bytes(mutate_bytes(target.read_bytes(), rng))
        argv = rng.choice([["check", gold, copy], ["check", copy, gold], ["explain", copy, gold],
                           ["explain", gold, copy], ["run", copy], ["run", copy, "--out", tmp_path / f"ran_{k}"],
                           ["check", copy, gold, "--format", rng.choice(["npy", "bin"])]])
        _check(argv, capsys)
        shutil.rmtree(copy)
    assert os.path.isdir(gold)
