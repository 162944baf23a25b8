"""Calls a prepare-step operation of the library (advstep.prepare_inputs, advance_drafts, post_update) on a
case's arrays: the tensors by keyword, block table g (the file ``block_tables_g``) in ``block_tables``, and
the case's scalars, options and flags (a scalar not given is left out of the call)."""

from __future__ import annotations

from typing import Any

import advstep

from .errors import UsageError
from .prepare_case import PrepareCase
from .prepare_ops import TABLE


def prepare_call(case: PrepareCase, arrays: dict[str, Any]) -> None:
    """Runs ``case``'s operation on ``arrays`` (keyword -> array, block tables by file name), which it mutates."""
    function = getattr(advstep, case.op, None)
    if function is None:
        raise UsageError(f"case {case.name}: this advstep has no {case.op} (the library predates it)")
    keywords = {name: array for name, array in arrays.items() if not name.startswith(TABLE + "_")}
    if case.operation.tables:
        keywords[TABLE] = [arrays[f"{TABLE}_{g}"] for g in range(case.groups)]
    for name, value in case.settings.items():
        if value is not None and not (name == "delta" and "delta" in keywords):
            keywords[name] = value
    function(**keywords)
