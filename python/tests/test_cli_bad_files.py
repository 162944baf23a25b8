"""Every bad input file gets one line naming the file, the field and the rule, and exit status 2;
exit 1 means a difference and nothing else. One test per class of bad file the safety review found."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import cli_fixtures
from cli_fixtures import one_line_error
from advstep.cli import case_files, json_files, limits
from cli_sandbox import advstep


@pytest.fixture
def gold(tmp_path):
    case_file = cli_fixtures.atk_v1(tmp_path / "atk_aclnnAdvanceStep.json", cases=2)
    assert advstep("golden", case_file, "--out", tmp_path / "gold") == 0
    return tmp_path / "gold"


def _every_verb(path, tmp_path) -> list[list[object]]:
    return [["golden", path, "--out", tmp_path / "out"], ["run", path], ["run", path, "--out", tmp_path / "ran"]]


def _folder_verbs(gold, tmp_path) -> list[list[object]]:
    return [["check", gold, gold], ["explain", gold, gold], ["run", gold], ["run", gold, "--out", tmp_path / "ran"]]


def _refused_everywhere(argvs, capsys, *names: str) -> None:
    for argv in argvs:
        assert advstep(*argv) == 2, argv
        one_line_error(capsys, *names)


# ---- case files ----------------------------------------------------------------------------------

def test_a_float_count_is_not_an_integer(tmp_path, capsys) -> None:
    own = cli_fixtures.own(tmp_path / "cases.json", [{"name": "x", "numSeqs": 8.0, "numQueries": 4, "blockSize": 4}])
    _refused_everywhere(_every_verb(own, tmp_path), capsys, "cases.json", "cases[0].numSeqs", "integer")
    atk = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    data = json.loads(open(atk).read())
    next(item for item in data[0]["inputs"] if item["name"] == "numSeqs")["range_values"] = 6.0
    cli_fixtures._write(atk, data)
    _refused_everywhere(_every_verb(atk, tmp_path), capsys, "atk.json", "case 0", "attribute numSeqs", "integer")
    assert not (tmp_path / "out").exists() and not (tmp_path / "ran").exists()


def test_json_nested_thousands_deep(tmp_path, gold, capsys) -> None:
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)
    _refused_everywhere(_every_verb(tmp_path / "deep.json", tmp_path), capsys, "deep.json", "nested deeper")
    deep = {"cases": [{"name": "x", "numSeqs": 8, "numQueries": 4, "blockSize": 4,
                       "tensors": {"seqLens": {"values": json.loads("[" * 900 + "1" + "]" * 900)}}}]}
    (tmp_path / "deep2.json").write_text(json.dumps(deep))
    _refused_everywhere(_every_verb(tmp_path / "deep2.json", tmp_path), capsys, "deep2.json", "nested deeper")
    (gold / "manifest.json").write_text('{"format": "advstep-case-set/1", "cases": ' + "[" * 5000 + "]" * 5000 + "}")
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, "manifest.json", "nested deeper")


def test_an_integer_of_thousands_of_digits(tmp_path, gold, capsys) -> None:
    (tmp_path / "big.json").write_text('{"cases": [{"name": "x", "numSeqs": ' + "9" * 5000 +
                                       ', "numQueries": 4, "blockSize": 4}]}')
    _refused_everywhere(_every_verb(tmp_path / "big.json", tmp_path), capsys, "big.json", "not a JSON case file")
    manifest = gold / "aclnnAdvanceStep_0000" / "manifest.json"
    text = manifest.read_text()
    manifest.write_text(text.replace('"numSeqs": 6', '"numSeqs": ' + "7" * 5000))
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, "manifest.json")
    manifest.write_text(text.replace('"numSeqs": 6', '"numSeqs": ' + "7" * 30))  # parses: beyond int64
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, "manifest.json", "attributes.numSeqs")


@pytest.mark.parametrize("shape", [[2**32, 2**32], [2**31, 2**31, 4], [2**63, 1], [3, 2**62]])
def test_a_shape_whose_element_count_wraps_int64(tmp_path, capsys, monkeypatch, shape) -> None:
    monkeypatch.setattr(limits, "available_memory", lambda: None)  # the count itself must be refused
    atk = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    data = json.loads(open(atk).read())
    next(item for item in data[0]["inputs"] if item["name"] == "blockTables")["shape"] = shape
    cli_fixtures._write(atk, data)
    _refused_everywhere(_every_verb(atk, tmp_path), capsys, "atk.json", "blockTables", "more elements")
    own = cli_fixtures.own(tmp_path / "cases.json", [{"name": "x", "numSeqs": 6, "numQueries": 3, "blockSize": 4,
                                                      "tensors": {"blockTables": {"shape": shape, "range": [0, 5]}}}])
    _refused_everywhere(_every_verb(own, tmp_path), capsys, "cases.json", "blockTables.shape", "more elements")


def test_the_size_guard_counts_exactly() -> None:
    assert limits.element_count([2**30, 2**29], "x") == 2**59
    assert limits.element_count([0, 2**40, 2**40], "x") == 0
    for shape in ([2**32, 2**32], [2**61, 5], [0, 2**64], [1.0], [-1], "3", [1] * 9):
        with pytest.raises(case_files.UsageError):
            limits.element_count(shape, "x")


@pytest.mark.parametrize("bounds", [[0, 2**64], [-(2**63) - 1, 0], [0, 10**40], [0, 5.0], [True, 3]])
def test_cann_range_values_beyond_int64(tmp_path, capsys, bounds) -> None:
    atk = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    data = json.loads(open(atk).read())
    next(item for item in data[0]["inputs"] if item["name"] == "seqLensRef")["range_values"] = bounds
    cli_fixtures._write(atk, data)
    _refused_everywhere(_every_verb(atk, tmp_path), capsys, "atk.json", "seqLensRef", "range_values")


# ---- tensor files ----------------------------------------------------------------------------------

def test_an_npz_under_an_npy_name(tmp_path, gold, capsys) -> None:
    path = gold / "aclnnAdvanceStep_0000" / "inputs" / "seqLens.npy"
    values = np.load(path)
    with open(path, "wb") as file:
        np.savez(file, seqLens=values)
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, "seqLens.npy", ".npz archive")


def test_a_small_npy_whose_header_declares_billions_of_elements(tmp_path, gold, capsys, monkeypatch) -> None:
    path = gold / "aclnnAdvanceStep_0000" / "expected" / "slotMapping.npy"
    header = {"descr": "<i8", "fortran_order": False, "shape": (4_000_000_000,)}
    with open(path, "wb") as file:
        np.lib.format.write_array_header_1_0(file, header)
        file.write(b"\0" * (192 - file.tell()))
    assert os.path.getsize(path) == 192
    allocations = []
    real = np.fromfile
    monkeypatch.setattr(np, "fromfile", lambda *a, **k: allocations.append(k.get("count")) or real(*a, **k))
    for argv in (["check", gold, gold], ["explain", gold, gold], ["check", gold / "aclnnAdvanceStep_0000", gold]):
        assert advstep(*argv) == 2
        one_line_error(capsys, "slotMapping.npy", "header declares 4000000000 elements", "(192 bytes)")
    assert 4_000_000_000 not in allocations


@pytest.mark.parametrize("descr", ["<f8", "|O", "<c16", "[('a', '<i8')]"])
def test_an_npy_of_another_dtype(tmp_path, gold, capsys, descr) -> None:
    path = gold / "aclnnAdvanceStep_0000" / "inputs" / "seqLens.npy"
    dtype = np.dtype(eval(descr)) if descr.startswith("[") else np.dtype(descr)  # noqa: S307 - a literal above
    with open(path, "wb") as file:
        np.lib.format.write_array_header_1_0(file, {"descr": np.lib.format.dtype_to_descr(dtype),
                                                    "fortran_order": False, "shape": (6,)})
        file.write(b"\0" * (6 * dtype.itemsize))
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, "seqLens.npy", "dtype")


@pytest.mark.parametrize("tensor, reshape", [("blockTables", lambda a: a.T.copy()),
                                             ("blockTables", lambda a: a.reshape(-1, 2)),
                                             ("seqLens", lambda a: a.reshape(2, -1))])
def test_an_npy_of_the_right_size_but_another_shape(tmp_path, gold, capsys, tensor, reshape) -> None:
    """A transposed or reshaped table holds the right number of elements in the wrong rows: refused,
    naming the file and both shapes, rather than read as if it were row-major [N, W]."""
    folder = gold / "aclnnAdvanceStep_0000" / "inputs"
    np.save(folder / f"{tensor}.npy", reshape(np.load(folder / f"{tensor}.npy")))
    (folder / f"{tensor}.bin").unlink()
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, f"{tensor}.npy", "shape", "expected")


@pytest.mark.parametrize("reshape", [lambda a: a.reshape(-1), lambda a: a[:, None, :], lambda a: a.copy(order="F")])
def test_an_npy_flat_or_with_extra_unit_dims_or_fortran_ordered_is_read(tmp_path, gold, reshape) -> None:
    folder = gold / "aclnnAdvanceStep_0000" / "inputs"
    np.save(folder / "blockTables.npy", reshape(np.load(folder / "blockTables.npy")))
    assert advstep("check", gold, gold) == 0
    assert advstep("run", gold) == 0


# ---- manifests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cases, rule", [(5, "cases must be a list"), ("abc", "cases must be a list"),
                                         ([5], "must be a string"), ([["a"]], "must be a string"),
                                         (None, "cases must be a list")])
def test_a_set_manifest_with_cases_of_the_wrong_kind(tmp_path, gold, capsys, cases, rule) -> None:
    data = json.loads((gold / "manifest.json").read_text())
    data["cases"] = cases
    (gold / "manifest.json").write_text(json.dumps(data))
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, "manifest.json", rule)


@pytest.mark.parametrize("edit, names", [
    (lambda m: m["attributes"].update(numSeqs="6"), ["attributes.numSeqs", "integer"]),
    (lambda m: m["attributes"].update(blockSize=4.0), ["attributes.blockSize", "integer"]),
    (lambda m: m.update(attributes=[]), ["attributes"]),
    (lambda m: m["inputs"]["seqLens"].update(shape=[2**40, 2**40]), ["inputs.seqLens", "more elements"]),
    (lambda m: m["inputs"]["seqLens"].update(shape="6"), ["inputs.seqLens", "shape"]),
    (lambda m: m["inputs"].pop("blockTables"), ["blockTables", "not listed"]),
    (lambda m: m.update(semantics="npu"), ["semantics"]),
    (lambda m: m.update(ascendCores="forty"), ["ascendCores", "integer"]),
    (lambda m: m.update(blockBound=None), ["blockBound"]),
    (lambda m: m.update(case=None), ["case name must be a string"]),
])
def test_a_case_manifest_with_a_field_of_the_wrong_kind(tmp_path, gold, capsys, edit, names) -> None:
    path = gold / "aclnnAdvanceStep_0000" / "manifest.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    _refused_everywhere(_folder_verbs(gold, tmp_path), capsys, "manifest.json", *names)


# ---- a case too large for memory ------------------------------------------------------------------

def test_run_on_a_case_too_large_for_memory(tmp_path, capsys) -> None:
    own = cli_fixtures.own(tmp_path / "cases.json", [
        {"name": "huge", "numSeqs": 199999999, "numQueries": 4, "blockSize": 4, "blockTableWidth": 1000000}])
    for argv in (["run", own], ["golden", own, "--out", tmp_path / "out"]):
        assert advstep(*argv) == 2
        one_line_error(capsys, "cases.json", "huge", "too large for this machine's memory")
    assert not (tmp_path / "out").exists()


def test_a_memory_error_that_slips_past_the_guard_is_one_line(tmp_path, capsys, monkeypatch) -> None:
    own = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 745. GiB for an array")

    monkeypatch.setattr(case_files, "generate", no_memory)
    assert advstep("run", own, "--out", tmp_path / "ran") == 2
    one_line_error(capsys, "out of memory")
    assert not (tmp_path / "ran").exists()


def test_an_unexpected_error_is_one_line_and_status_3(tmp_path, capsys, monkeypatch) -> None:
    from advstep.cli import run

    own = cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)
    monkeypatch.setattr(run, "verify", lambda *args: {}["bug"])
    assert advstep("run", own) == 3
    one_line_error(capsys, "internal error", "please report", "KeyError")


def test_a_missing_module_of_another_name_is_an_internal_error_too(tmp_path, capsys, monkeypatch) -> None:
    from advstep.cli import run

    def missing(*args):
        raise ModuleNotFoundError("No module named 'somewhere'", name="somewhere")

    monkeypatch.setattr(run, "verify", missing)
    assert advstep("run", cli_fixtures.atk_v1(tmp_path / "atk.json", cases=1)) == 3
    one_line_error(capsys, "internal error", "ModuleNotFoundError", "somewhere")


def test_as_a_process_a_bad_file_is_one_line_on_stderr_and_status_2(tmp_path) -> None:
    import subprocess
    import sys

    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000)
    (tmp_path / "float.json").write_text('{"cases": [{"name": "x", "numSeqs": 8.0, "numQueries": 4, "blockSize": 4}]}')
    for name in ("deep.json", "float.json"):
        result = subprocess.run([sys.executable, "-m", "advstep", "run", str(tmp_path / name)], capture_output=True,
                                text=True, check=False)
        assert result.returncode == 2, result
        assert len(result.stderr.strip().splitlines()) == 1 and name in result.stderr, result.stderr


# ---- inputs without end -------------------------------------------------------------------------

def test_a_case_file_that_never_ends_is_refused_at_a_bound(tmp_path, capsys, monkeypatch) -> None:
    """/dev/zero (or an endless pipe) as a case file: read up to a bound, then one line, exit 2,
    rather than reading until memory runs out."""
    monkeypatch.setattr(json_files, "MAX_BYTES", 1 << 16)
    _refused_everywhere(_every_verb("/dev/zero", tmp_path), capsys, "/dev/zero", "larger than")
    assert not (tmp_path / "out").exists() and not (tmp_path / "ran").exists()


@pytest.mark.parametrize("verb", ["golden", "run"])
def test_a_count_of_billions_is_refused_before_any_work(tmp_path, capsys, verb) -> None:
    """Every draw is named before the first is computed: --count 10^12 must be refused, not hang."""
    own = cli_fixtures.own(tmp_path / "cases.json", [{"name": "x", "numSeqs": 8, "numQueries": 4, "blockSize": 4}])
    argv = [verb, own, "--count", str(10**12)] + (["--out", tmp_path / "out"] if verb == "golden" else [])
    assert advstep(*argv) == 2
    one_line_error(capsys, "--count", "at most")
    assert not (tmp_path / "out").exists()


def test_a_file_where_a_folder_is_read_is_named_as_not_a_folder(tmp_path, gold, capsys) -> None:
    own = cli_fixtures.own(tmp_path / "cases.json", [{"name": "x", "numSeqs": 8, "numQueries": 4, "blockSize": 4}])
    for argv in (["check", own, gold], ["check", gold, own], ["explain", own, gold]):
        assert advstep(*argv) == 2, argv
        one_line_error(capsys, "cases.json: not a folder")
    assert advstep("check", tmp_path / "missing", gold) == 2
    one_line_error(capsys, "missing: no such folder")
