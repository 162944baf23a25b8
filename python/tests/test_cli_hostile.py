"""Property: whatever names and manifests a hostile file holds, no verb changes anything outside the
sandbox folder it was given, and every verb answers with 0, 1 or 2 (never a traceback).

Names are drawn by a seeded generator from the pieces path tricks are made of (dots, separators,
NUL, blanks, the sandbox's absolute parent, long runs); each is put where a file names a folder (a
case file's name, a set manifest's cases, a case manifest's case), around links out of the sandbox,
and thrown at golden (with --force), run (with --force, from a case file and from a golden), check
and explain. A snapshot of the sandbox's parent, taken before, must match after each verb.
"""

from __future__ import annotations

import json
import random
import shutil

import pytest

from advstep.cli import library
from cli_sandbox import Sandbox, advstep, set_json

PIECES = [".", "..", "/", "\\", "\x00", "a", " ", "\u00e9", "\n", "~", "victim", "-", "_"]


def hostile_names(rng: random.Random, sandbox: Sandbox, count: int) -> list[object]:
    fixed: list[object] = ["..", ".", "", "../..", "../../victim", str(sandbox.root), str(sandbox.root / "victim"),
                           "/", "x" * 300, "link_out", "../link_out", 7, None, ["a"], {"a": 1}]
    drawn: list[object] = []
    while len(drawn) < count:
        parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 7))]
        if rng.random() < 0.2:
            parts.insert(0, str(sandbox.root) + "/")
        if rng.random() < 0.1:
            parts.append("z" * rng.randint(200, 300))
        drawn.append("".join(parts))
    return fixed + drawn


def _expect_safe(sandbox: Sandbox, argv: list[object], capsys) -> None:
    status = advstep(*argv)
    err = capsys.readouterr().err
    assert status in (0, 1, 2), (argv, status, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    assert sandbox.unchanged(), argv


@pytest.fixture(autouse=True)
def _untimed(monkeypatch) -> None:
    """run's timing loop (0.2 s a case) proves nothing here."""
    monkeypatch.setattr(library, "time_per_call", lambda *args, **kwargs: 1e-6)


@pytest.mark.parametrize("seed", [0])
def test_hostile_names_never_reach_outside_the_sandbox(tmp_path, capsys, seed) -> None:
    sandbox = Sandbox(tmp_path)
    rng = random.Random(seed)
    box = sandbox.box
    for name in hostile_names(rng, sandbox, 6):
        # A case file naming the case.
        if isinstance(name, str):
            case_file = box / "cases.json"
            case_file.write_text(json.dumps({"cases": [{"name": name, "numSeqs": 4, "numQueries": 2, "blockSize": 4}]}))
            _expect_safe(sandbox, ["golden", case_file, "--out", box / "out", "--force"], capsys)
            _expect_safe(sandbox, ["run", case_file, "--out", box / "ran", "--force"], capsys)
        # A set manifest listing it, and a case manifest calling itself by it.
        for where in ("set", "case"):
            gold = sandbox.fresh("hostile")
            if where == "set":
                set_json(gold / "manifest.json", lambda data: data.update(cases=[name, "aclnnAdvanceStep_0000"]))
            else:
                set_json(gold / "aclnnAdvanceStep_0001" / "manifest.json", lambda data: data.update(case=name))
            for argv in (["check", gold, sandbox.golden], ["check", sandbox.golden, gold],
                         ["explain", gold, sandbox.golden], ["run", gold, "--out", box / "ran", "--force"],
                         ["golden", sandbox.case_file, "--out", gold, "--force"]):
                _expect_safe(sandbox, argv, capsys)
        # An --out whose sub-folders are links out of the sandbox, listed by its manifest.
        out = sandbox.fresh("out")
        if isinstance(name, str) and name and "\x00" not in name and "/" not in name and len(name) < 200:
            try:
                (out / name).symlink_to(sandbox.root / "victim", target_is_directory=True)
            except OSError:
                pass
        set_json(out / "manifest.json", lambda data: data.update(cases=[name, "../victim", "../../victim"]))
        _expect_safe(sandbox, ["golden", sandbox.case_file, "--out", out, "--force"], capsys)
        _expect_safe(sandbox, ["run", sandbox.case_file, "--out", out, "--force", "--seed", rng.randint(0, 9)], capsys)


def test_a_golden_whose_case_folder_is_a_link_out_is_read_but_never_written(tmp_path, capsys) -> None:
    sandbox = Sandbox(tmp_path)
    gold = sandbox.fresh("linked")
    shutil.rmtree(gold / "aclnnAdvanceStep_0000")
    (gold / "aclnnAdvanceStep_0000").symlink_to(sandbox.root / "victim" / "aclnnAdvanceStep_0000",
                                                 target_is_directory=True)
    _expect_safe(sandbox, ["check", gold, sandbox.golden], capsys)
    _expect_safe(sandbox, ["golden", sandbox.case_file, "--out", gold, "--force"], capsys)
    assert (gold / "aclnnAdvanceStep_0000").is_symlink()
    # The link is in the way of run's cases too: refused, not followed.
    assert advstep("run", sandbox.root / "victim", "--out", gold, "--force") == 2
    assert "symbolic link" in capsys.readouterr().err
    assert sandbox.unchanged()
