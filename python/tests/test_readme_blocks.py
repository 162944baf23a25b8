"""The README's shell blocks are self-contained: none uses $PREFIX without setting it."""

from __future__ import annotations

import os
import re

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def _shell_blocks() -> list[str]:
    if not os.path.exists(README):
        pytest.skip("README.md is not beside the tests")
    with open(README, encoding="utf-8") as file:
        return re.findall(r"```sh\n(.*?)```", file.read(), flags=re.S)


def test_every_block_installing_into_prefix_sets_it() -> None:
    blocks = [b for b in _shell_blocks() if "--prefix" in b and "$PREFIX" in b]
    assert blocks
    for block in blocks:
        assert re.search(r"^PREFIX=|\$\{PREFIX:\?", block, flags=re.M), block
