"""The command never touches anything outside the folders it was given: names read from files are
plain folder names, --force removes only advstep's own files found by walking --out, and no verb
writes into a non-empty folder without --force or into what it reads."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

import cli_fixtures
from cli_fixtures import one_line_error
from advstep.cli import out_folder
from cli_sandbox import Sandbox, advstep, set_json

HOSTILE_NAMES = ["..", ".", "", "   ", "../..", "../../victim", "/", "/tmp/advstep-owned", "a/b", "a\\b",
                 "a\x00b", "x" * 256, "\u00e9" * 128, "line\nbreak"]


@pytest.fixture
def sandbox(tmp_path) -> Sandbox:
    return Sandbox(tmp_path)


# ---- finding 1: golden --force with a manifest listing "..", and a case named ".." --------------------

def test_force_ignores_a_manifest_listing_the_parent(sandbox, capsys) -> None:
    out = sandbox.fresh("out")
    set_json(out / "manifest.json", lambda data: data.update(cases=["..", "../..", "/", "aclnnAdvanceStep_0000"]))
    assert advstep("golden", sandbox.case_file, "--out", out, "--force") == 0
    assert sandbox.unchanged()
    assert json.loads((out / "manifest.json").read_text())["cases"] == ["aclnnAdvanceStep_0000", "aclnnAdvanceStep_0001"]
    assert (sandbox.box / "gold" / "manifest.json").exists()  # the sandbox's other folders stay too


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_case_name_in_a_case_file_is_refused(sandbox, capsys, name) -> None:
    case_file = cli_fixtures.own(sandbox.box / "cases.json", [
        {"name": name, "numSeqs": 4, "numQueries": 2, "blockSize": 4}])
    for verb in (["golden", case_file, "--out", sandbox.box / "out"], ["run", case_file, "--out", sandbox.box / "ran"]):
        assert advstep(*verb) == 2
        one_line_error(capsys, "cases.json", "cases[0].name")
        assert not (sandbox.box / "out").exists() and not (sandbox.box / "ran").exists()
    assert sandbox.unchanged()


def test_the_reader_refuses_what_the_schema_would_let_through(capsys) -> None:
    from advstep.cli.errors import UsageError
    from advstep.cli.names import plain_name

    for name in HOSTILE_NAMES + ["abc\n", "tab\tname", 5, None]:
        with pytest.raises(UsageError, match="where"):
            plain_name(name, "where")
    assert plain_name("decode.v2-1_x", "where") == "decode.v2-1_x"


def test_a_cann_st_id_too_long_for_a_folder_name_is_refused(tmp_path, capsys) -> None:
    path = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    data = json.loads(open(path).read())
    data[0]["id"] = 10**300
    cli_fixtures._write(path, data)
    assert advstep("golden", path, "--out", tmp_path / "gold") == 2
    one_line_error(capsys, "atk.json", "id", "bytes long")
    assert not (tmp_path / "gold").exists()


# ---- finding 2: run GOLD --out DIR with a manifest naming an absolute path or ../.. ---------------------

@pytest.mark.parametrize("name", ["/tmp/advstep-owned", "../..", "../../victim", "..", "a/b", ""])
@pytest.mark.parametrize("where", ["case", "set"])
def test_a_hostile_name_in_a_golden_is_refused_by_every_verb(sandbox, capsys, name, where) -> None:
    gold = sandbox.fresh("hostile")
    if where == "case":
        set_json(gold / "aclnnAdvanceStep_0000" / "manifest.json", lambda data: data.update(case=name))
    else:
        set_json(gold / "manifest.json", lambda data: data.update(cases=[name]))
    for argv in (["run", gold, "--out", sandbox.box / "ran"], ["check", gold, sandbox.golden],
                 ["explain", gold, sandbox.golden]):
        assert advstep(*argv) == 2, argv
        one_line_error(capsys, "manifest.json", "case")
    assert not (sandbox.box / "ran").exists() and not os.path.exists("/tmp/advstep-owned")
    assert sandbox.unchanged()


def test_a_set_manifest_listing_a_case_twice_is_refused(sandbox, capsys) -> None:
    gold = sandbox.fresh("twice")
    set_json(gold / "manifest.json", lambda data: data.update(cases=["aclnnAdvanceStep_0000"] * 2))
    assert advstep("run", gold, "--out", sandbox.box / "ran") == 2
    one_line_error(capsys, "manifest.json", "listed twice")


# ---- finding 3: no verb writes into a non-empty folder without --force, none into its own input -------

def test_run_refuses_a_folder_holding_a_golden_without_force(sandbox, capsys) -> None:
    gold = sandbox.fresh("target")
    before = {p: p.read_bytes() for p in gold.rglob("*") if p.is_file()}
    modified = os.stat(gold).st_mtime_ns
    assert advstep("run", sandbox.case_file, "--out", gold, "--seed", 3) == 2
    one_line_error(capsys, "--out", "not empty", "--force")
    assert {p: p.read_bytes() for p in gold.rglob("*") if p.is_file()} == before
    assert os.stat(gold).st_mtime_ns == modified  # not even probed


def test_run_force_replaces_a_golden_keeping_other_files(sandbox, capsys) -> None:
    gold = sandbox.fresh("target")
    (gold / "notes.txt").write_text("kept")
    (gold / "aclnnAdvanceStep_0000" / "notes.txt").write_text("kept")
    assert advstep("run", sandbox.case_file, "--out", gold, "--seed", 3, "--force") == 0
    case = gold / "aclnnAdvanceStep_0000"
    assert sorted(os.listdir(case)) == ["inputs", "manifest.json", "notes.txt", "outputs"]  # no stale expected/
    assert json.loads((case / "manifest.json").read_text())["seed"] == 3
    assert (gold / "notes.txt").read_text() == "kept" and sandbox.unchanged()


@pytest.mark.parametrize("out", ["{gold}", "{gold}/sub", "{gold}/aclnnAdvanceStep_0000", "{box}"])
def test_run_never_writes_into_the_folder_it_reads(sandbox, capsys, out) -> None:
    gold = sandbox.fresh("g")
    target = out.format(gold=gold, box=sandbox.box)
    before = {p: p.read_bytes() for p in gold.rglob("*") if p.is_file()}
    for force in ([], ["--force"]):
        assert advstep("run", gold, "--out", target, *force) == 2
        one_line_error(capsys, "--out", "input folder", "never writes into what it reads")
    assert {p: p.read_bytes() for p in gold.rglob("*") if p.is_file()} == before
    assert advstep("run", gold / "aclnnAdvanceStep_0001", "--out", gold, "--force") == 2  # a case inside --out
    one_line_error(capsys, "holds the input folder")


@pytest.mark.parametrize("out, folder, refused", [("/", "/tmp/gold", True), ("/tmp/a", "/tmp/ab", False),
                                                  ("/tmp/a", "/tmp/a/b", True), ("/tmp/a/b", "/tmp/a", True)])
def test_overlap_is_by_path_components(out, folder, refused) -> None:
    from advstep.cli.errors import UsageError

    if refused:
        with pytest.raises(UsageError, match="never writes into what it reads"):
            out_folder.refuse_overlap(out, [folder])
    else:
        out_folder.refuse_overlap(out, [folder])


def test_force_removes_what_advstep_wrote_found_by_walking(sandbox, capsys) -> None:
    out = sandbox.fresh("out")
    # Listed but not advstep's: stays. Advstep's but not listed: removed.
    set_json(out / "manifest.json", lambda data: data.update(cases=["mine"]))
    (out / "mine").mkdir()
    (out / "mine" / "data.npy").write_bytes(b"user data")
    shutil.copytree(out / "aclnnAdvanceStep_0001", out / "unlisted")
    (out / "unlisted" / "inputs" / "extra.txt").write_text("kept")
    (out / "outside").symlink_to(sandbox.root / "victim", target_is_directory=True)
    assert advstep("golden", sandbox.case_file, "--out", out, "--first", 1, "--force") == 0
    assert sorted(os.listdir(out)) == ["aclnnAdvanceStep_0000", "manifest.json", "mine", "outside", "unlisted"]
    assert (out / "mine" / "data.npy").read_bytes() == b"user data"
    assert sorted(p.name for p in (out / "unlisted").rglob("*")) == ["extra.txt", "inputs"]
    assert sandbox.unchanged()  # the golden the link points to is whole


def test_a_link_or_file_where_a_case_folder_goes_is_refused_before_anything_is_removed(sandbox, capsys) -> None:
    out = sandbox.fresh("out")
    shutil.rmtree(out / "aclnnAdvanceStep_0001")
    (out / "aclnnAdvanceStep_0001").symlink_to(sandbox.root / "victim", target_is_directory=True)
    assert advstep("golden", sandbox.case_file, "--out", out, "--force") == 2
    one_line_error(capsys, "aclnnAdvanceStep_0001", "symbolic link", "not advstep's to remove")
    assert (out / "manifest.json").exists() and (out / "aclnnAdvanceStep_0000" / "manifest.json").exists()
    assert sandbox.unchanged()


def test_a_foreign_manifest_in_out_is_neither_removed_nor_overwritten(sandbox, capsys) -> None:
    out = sandbox.box / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"mine": true}')
    assert advstep("golden", sandbox.case_file, "--out", out, "--force") == 2
    one_line_error(capsys, "manifest.json", "not an advstep manifest")
    assert (out / "manifest.json").read_text() == '{"mine": true}'


@pytest.mark.parametrize("ours", [False, True])
def test_a_link_or_foreign_file_where_a_tensor_goes_is_refused_before_anything_is_removed(sandbox, capsys,
                                                                                       ours) -> None:
    out = sandbox.fresh("out") if ours else sandbox.box / "out"
    inputs = out / "aclnnAdvanceStep_0000" / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    if ours:  # in an advstep case folder a link named like a tensor is not advstep's: it stays, in the way
        (inputs / "inputTokens.npy").unlink()
    (inputs / "inputTokens.npy").symlink_to(sandbox.root / "precious.txt")
    (out / "aclnnAdvanceStep_0001" / "outputs").mkdir(parents=True, exist_ok=True)
    (out / "aclnnAdvanceStep_0001" / "outputs" / "seqLens.bin").write_text("a user's file")
    before = sorted(str(p) for p in out.rglob("*"))
    assert advstep("golden", sandbox.case_file, "--out", out, "--force") == 2
    # Outside an advstep case folder a file named like a tensor is a user's too (inside one it is
    # advstep's, and removed).
    one_line_error(capsys, "inputTokens.npy", "symbolic link", "in the way", *([] if ours else ["and 1 more"]))
    assert sorted(str(p) for p in out.rglob("*")) == before
    assert sandbox.unchanged()


def test_files_are_never_written_through_a_link(tmp_path, capsys) -> None:
    from advstep.cli import tensor_io

    (tmp_path / "target").write_text("kept")
    (tmp_path / "link.npy").symlink_to(tmp_path / "target")
    with pytest.raises(tensor_io.UsageError, match="already exists"):
        tensor_io.write(str(tmp_path), "link", np.zeros(2, dtype=np.int64), ("npy",))
    assert (tmp_path / "target").read_text() == "kept"


# ---- --out is proven writable by writing -------------------------------------------------------------

@pytest.mark.parametrize("verb", ["golden", "run"])
def test_an_out_that_cannot_be_created_says_so(tmp_path, capsys, verb) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    assert advstep(verb, case_file, "--out", "/proc/advstep-out") == 2
    err = one_line_error(capsys, "--out /proc/advstep-out", "cannot be")
    assert "--cases" not in err and "free" not in err


def test_writability_is_probed_not_asked(tmp_path, monkeypatch, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # what it says must not matter
    assert advstep("run", case_file, "--out", tmp_path / "ran") == 0
    assert (tmp_path / "ran" / "manifest.json").exists()
    assert [p for p in os.listdir(tmp_path / "ran") if "probe" in p] == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_out_is_refused_before_running(tmp_path, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o555)
    try:
        assert advstep("run", case_file, "--out", tmp_path / "ro") == 2
        one_line_error(capsys, "cannot be written")
    finally:
        os.chmod(tmp_path / "ro", 0o755)


def test_a_failed_golden_removes_the_parents_it_created(tmp_path, monkeypatch, capsys) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    monkeypatch.setattr(out_folder, "free_bytes", lambda out: 10)
    assert advstep("golden", case_file, "--out", tmp_path / "a" / "b" / "gold") == 2
    one_line_error(capsys, "free")
    assert not (tmp_path / "a").exists()


def test_an_interrupted_run_out_is_discarded(tmp_path, monkeypatch, capsys) -> None:
    from advstep.cli import run

    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=2)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "verify", interrupted)
    assert advstep("run", case_file, "--out", tmp_path / "ran") == 130
    one_line_error(capsys, "interrupted", "removed")
    assert not (tmp_path / "ran").exists()


def test_npy_written_by_golden_reads_back(tmp_path) -> None:
    case_file = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    written = np.load(tmp_path / "gold" / "aclnnAdvanceStep_0000" / "expected" / "slotMapping.npy")
    assert written.dtype == np.int64 and written.shape == (6,)


def test_an_out_thousands_of_folders_deep_is_one_line_and_leaves_nothing(tmp_path, capsys) -> None:
    """os.makedirs recurses once per level: a path of 2,000 levels ran out of Python's recursion
    (an internal error, exit 3). It gets the file system's answer instead, and the levels made
    before the path grew too long are removed."""
    cases = cli_fixtures.own(tmp_path / "cases.json", [{"name": "x", "numSeqs": 8, "numQueries": 4, "blockSize": 4}])
    out = tmp_path / "deep" / ("ab/" * 2000)
    for argv in (["golden", cases, "--out", out], ["run", cases, "--out", out]):
        assert advstep(*argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "cannot be created" in err, err
        assert sorted(os.listdir(tmp_path)) == ["cases.json"]
