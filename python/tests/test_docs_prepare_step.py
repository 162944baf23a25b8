"""docs/prepare_step.md runs as written: its Python blocks, in order, hold every value they assert (the values of
the spec's worked examples), and its C++ excerpts are the code of examples/prepare_step_decode_loop.cpp, which
ctest runs (example_prepare_step_decode_loop).

A block that starts with "# (continued)" runs in the namespace of the block before it; the others start a
program of their own. A program that calls an operation this build lacks runs up to that block and is then
skipped, naming the operation."""

from __future__ import annotations

import os
import re

import pytest

import advstep

pytest.importorskip("numpy")

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
PAGE = os.path.join(ROOT, "docs", "prepare_step.md")
EXAMPLE = os.path.join(ROOT, "examples", "prepare_step_decode_loop.cpp")
CONTINUED = "# (continued)"


def _page() -> str:
    if not os.path.exists(PAGE):
        pytest.skip("docs/prepare_step.md is not beside the tests")
    with open(PAGE, encoding="utf-8") as file:
        return file.read()


def _blocks(language: str) -> list[tuple[int, str]]:
    """(line number, code) of each fenced block in the language."""
    text = _page()
    return [(text.count("\n", 0, m.start()) + 2, m.group(1))
            for m in re.finditer(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)]


def _programs() -> list[list[tuple[int, str]]]:
    programs: list[list[tuple[int, str]]] = []
    for line, code in _blocks("python"):
        if code.startswith(CONTINUED):
            assert programs, f"line {line}: the first block cannot continue another"
            programs[-1].append((line, code))
        else:
            programs.append([(line, code)])
    return programs


def _calls(code: str) -> list[str]:
    return re.findall(r"\badvstep\.(\w+)\(", code)


def test_the_page_runs_every_operation_and_each_scene() -> None:
    """The blocks call the three operations and advance_step, so a skip below cannot hide a whole operation."""
    programs = _programs()
    assert len(programs) >= 6
    called = {op for program in programs for _, code in program for op in _calls(code)}
    assert called == {"prepare_inputs", "advance_drafts", "post_update", "advance_step"}


@pytest.mark.parametrize("index", range(6))
def test_program_runs_as_written(index: int) -> None:
    programs = _programs()
    if index >= len(programs):
        pytest.skip(f"the page has {len(programs)} programs")
    namespace: dict = {"__name__": f"prepare_step_md_{index}"}
    for line, code in programs[index]:
        missing = [op for op in _calls(code) if not hasattr(advstep, op)]
        if missing:
            pytest.skip(f"docs/prepare_step.md line {line} calls advstep.{missing[0]}, which this build lacks "
                        "(the blocks before it ran and held)")
        exec(compile(code, f"docs/prepare_step.md:{line}", "exec"), namespace)  # noqa: S102 - the page's own code


def test_cpp_excerpts_are_the_examples_code() -> None:
    if not os.path.exists(EXAMPLE):
        pytest.skip("examples/ is not beside the tests")
    with open(EXAMPLE, encoding="utf-8") as file:
        example = file.read()
    blocks = _blocks("cpp")
    assert blocks
    for line, code in blocks:
        assert code in example, f"docs/prepare_step.md line {line}: the excerpt is not in {EXAMPLE}"
