"""The package's surface: torch_npu's signature, documentation, stubs in step with the extension."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys

import pytest

import advstep

TORCH_NPU_ORDER = ["input_tokens", "sampled_token_ids", "input_positions", "seq_lens", "slot_mapping",
                   "block_tables", "num_seqs", "num_queries", "block_size"]


def test_signature_is_torch_npus() -> None:
    parameters = inspect.signature(advstep.advance_step).parameters
    assert list(parameters)[:9] == TORCH_NPU_ORDER
    assert all(parameters[name].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for name in TORCH_NPU_ORDER)
    for name in ("spec_token", "accepted_num"):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default is None
    # advstep's own keywords after torch_npu's: the semantics (spec sections 4.1 and 6).
    for name, default in (("semantics", "vllm"), ("ascend_cores", None), ("block_bound", "table")):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default == default
    assert len(parameters) == 14


def test_docstring_gives_every_shape_and_the_mutated_arguments() -> None:
    doc = advstep.advance_step.__doc__ or ""
    for name in TORCH_NPU_ORDER + ["spec_token", "accepted_num", "semantics", "ascend_cores", "block_bound"]:
        assert f"{name} :" in doc, name
    for shape in ("[N] or [N, 1]", "[Q, 1]", "[N, E]", "[N*E] or [N, E]", "[N, W]", "[N, S]", "[N]"):
        assert shape in doc, shape
    assert doc.count("Mutated") == 4


def test_stub_matches_the_extension(tmp_path: os.PathLike[str]) -> None:
    """python/advstep/_core.pyi is nanobind.stubgen's output for the built extension."""
    stubgen = pytest.importorskip("nanobind.stubgen")
    out = os.path.join(str(tmp_path), "_core.pyi")
    gen = stubgen.StubGen(advstep._core)
    gen.put(advstep._core)
    with open(out, "w") as f:
        f.write(gen.get())
    shipped = os.path.join(os.path.dirname(advstep.__file__), "_core.pyi")
    with open(shipped) as f, open(out) as g:
        assert _declarations(f.read()) == _declarations(g.read()), \
            "regenerate: python -m nanobind.stubgen -m advstep._core -o python/advstep/_core.pyi"


def _declarations(stub: str) -> str:
    """The stub's declarations, without layout and module docstring (nanobind versions differ there)."""
    body = ast.parse(stub).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return "\n".join(ast.dump(node) for node in body)


def test_typed_package() -> None:
    assert os.path.exists(os.path.join(os.path.dirname(advstep.__file__), "py.typed"))


def test_public_names() -> None:
    assert set(advstep.__all__) == {"ArgumentError", "DataFaultError", "DeviceError", "Error", "advance_drafts",
                                    "advance_step",
                                    "advance_step_flashinfer", "check_cuda_faults", "device_available",
                                    "post_update", "prepare_inputs"}


def _fresh_venv_with_advstep_alone(root: str) -> str:
    """A new virtualenv (no pip) whose site-packages holds a copy of the installed distribution
    advstep (its package, and what a repaired wheel adds beside it, e.g. advstep.libs/) and
    nothing else; returns its python."""
    import shutil
    import venv
    from importlib.metadata import distribution

    venv.create(root, with_pip=False, system_site_packages=False, symlinks=True)
    python = os.path.join(root, "bin", "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    installed = distribution("advstep")
    for file in installed.files or []:
        if file.parts[0] == ".." or file.parts[0].endswith(".dist-info"):  # console scripts, metadata
            continue
        target = os.path.join(site, *file.parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(str(installed.locate_file(file)), target)
    assert os.path.exists(os.path.join(site, "advstep", "__init__.py"))
    return python


# Runs in the fresh virtualenv: advance_step on the standard library's arrays, then the modules
# that were imported, less the standard library's.
_STDLIB_ONLY_CALL = r"""
import array, ctypes, json, sys
import advstep
n, q, b, w = 4, 3, 4, 2
tokens, positions, slots = (array.array("q", [0] * n) for _ in range(3))
seq_lens = array.array("i", [1, 2, 3, 4])
sampled = memoryview((ctypes.c_int64 * q)(5, 6, 7)).cast("B").cast("q", [q, 1])
tables = memoryview(array.array("q", range(n * w))).cast("B").cast("q", [n, w])
advstep.advance_step(tokens, sampled, positions, seq_lens, slots, tables, n, q, b)
names = {m.partition(".")[0] for m in sys.modules} - set(sys.stdlib_module_names) - {"advstep", "__main__"}
print(json.dumps([list(tokens), list(positions), list(seq_lens), list(slots), sorted(names)]))
"""


def test_import_and_advance_step_need_no_third_party_package(tmp_path: os.PathLike[str]) -> None:
    """`pip install .` brings no dependency: advstep imports and runs on stdlib arrays alone."""
    if sys.version_info < (3, 10):
        pytest.skip("sys.stdlib_module_names needs Python 3.10")
    python = _fresh_venv_with_advstep_alone(os.path.join(str(tmp_path), "venv"))
    out = subprocess.run([python, "-c", _STDLIB_ONLY_CALL], check=True, capture_output=True, text=True)
    tokens, positions, seq_lens, slots, third_party = json.loads(out.stdout)
    assert (tokens, positions, seq_lens, slots) == ([5, 6, 7, 0], [1, 2, 3, 0], [2, 3, 4, 4], [1, 10, 19, -1])
    assert third_party == []


def test_command_without_its_extra_names_the_install_command(tmp_path: os.PathLike[str]) -> None:
    python = _fresh_venv_with_advstep_alone(os.path.join(str(tmp_path), "venv"))
    for argv in (["-m", "advstep", "run"], ["-c", "import sys; from advstep._command import main; sys.exit(main())"]):
        done = subprocess.run([python, *argv], capture_output=True, text=True)
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr == ("advstep: the command needs numpy, jsonschema, tqdm (the extra 'cli'): "
                               "pip install 'advstep[cli]'\n")


def test_version_needs_none_of_the_command_s_packages(capsys, monkeypatch) -> None:
    """`advstep --version` after a plain `pip install .` prints the version rather than the install hint."""
    from advstep import _command

    monkeypatch.setattr(_command, "missing_packages", lambda: list(_command.CLI_PACKAGES))
    assert _command.main(["--version"]) == 0
    assert capsys.readouterr().out == f"advstep {advstep.__version__}\n"
    assert _command.main(["run"]) == 2
    assert "pip install 'advstep[cli]'" in capsys.readouterr().err


def test_metadata_requires_nothing_outside_extras() -> None:
    from importlib.metadata import requires

    requirements = requires("advstep") or []
    assert requirements, "the extras' requirements are missing from the metadata"
    assert all("extra ==" in r for r in requirements), requirements
    extras = {r.split("extra ==")[1].strip().strip("'\"") for r in requirements}
    assert extras == {"cli", "torch", "test"}

    def extra(name: str) -> set[str]:
        return {r.split(";")[0].strip() for r in requirements if f"'{name}'" in r or f'"{name}"' in r}

    assert {r.split(">")[0] for r in extra("cli")} == {"numpy", "jsonschema", "tqdm"}
    assert extra("cli") <= extra("test"), "the test extra must bring the command's packages, same versions"
