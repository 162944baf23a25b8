"""Which array libraries this run exercises: one test each, skipped (with the reason) when absent."""

from __future__ import annotations

import random

import pytest

from cases import random_v1, random_v2
from conftest import ALL_LIBS, make_lib
from test_values import run_and_compare


@pytest.mark.parametrize("name", ALL_LIBS)
def test_library_is_exercised(name: str) -> None:
    lib = make_lib(name)  # skips with the reason when the library cannot run here
    run_and_compare(lib, random_v1(random.Random(42)))
    run_and_compare(lib, random_v2(random.Random(43)))
