"""Which semantics a run follows: vLLM's or the Ascend kernels', the Ascend core count, the block bound.

The command passes these to ``advstep.advance_step`` as the keywords ``semantics``, ``ascend_cores``
and ``block_bound``, and to its own reference implementation (``reference.py``), so both compute the
same mode. ``explain`` enumerates them as candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .errors import UsageError
from .json_files import integer

from .. import _core
from .._core import BLOCK_BOUNDS as BOUNDS  # the names come from the library's option rules
from .._core import SEMANTICS as MODES

#: The vector-core counts of the Ascend parts whose kernels the ascend mode emulates (what the V1
#: kernel's loop step and row cap are). Atlas A2 parts with 20 AI cores have 40 vector cores (the
#: count Huawei's unit and system tests use); those with 24 AI cores, and the A3 parts, have 48.
KNOWN_SOCS = {
    "Ascend910B1": 48,
    "Ascend910B2": 48,
    "Ascend910B3": 40,
    "Ascend910B4": 40,
    "Ascend910_9391": 48,
    "Ascend910_9392": 48,
}
#: The core count used when the ascend mode is chosen without one: the library's own rule
#: (ascend_cores_for_soc) off an NPU, where the runtime names no Ascend part, so that the command,
#: advstep.advance_step and the C API compute the same thing. Huawei's Atlas A2 unit and system
#: tests use 40 (`--ascend-cores 40`).
DEFAULT_ASCEND_CORES = _core.DEFAULT_ASCEND_CORES
#: explain tries every core count in 1..MAX_TRIED_CORES, and the known SoCs' counts beyond it.
MAX_TRIED_CORES = 64


@dataclass(frozen=True)
class Semantics:
    """One mode of advance_step: ``mode`` vllm or ascend, ``cores`` (ascend only), ``bound``."""

    mode: str = "vllm"
    cores: Optional[int] = None
    bound: str = "table"

    def resolved(self) -> "Semantics":
        """The same mode with the ascend core count filled in (None for vllm)."""
        if self.mode != "ascend":
            return Semantics("vllm", None, self.bound)
        return Semantics("ascend", self.cores or DEFAULT_ASCEND_CORES, self.bound)

    def library_keywords(self) -> dict[str, Any]:
        """The keywords of advstep.advance_step selecting this mode; the defaults are left out."""
        keywords: dict[str, Any] = {}
        if self.mode != "vllm":
            keywords["semantics"] = self.mode
            keywords["ascend_cores"] = self.resolved().cores
        if self.bound != "table":
            keywords["block_bound"] = self.bound
        return keywords

    def label(self) -> str:
        """"vllm, table bound" or "ascend, 40 cores, row bound"."""
        if self.mode == "ascend":
            return f"ascend, {self.resolved().cores} cores, {self.bound} bound"
        return f"vllm, {self.bound} bound"

    def to_json(self) -> dict[str, Any]:
        resolved = self.resolved()
        return {"semantics": resolved.mode, "ascendCores": resolved.cores, "blockBound": resolved.bound}

    @staticmethod
    def from_json(data: dict[str, Any], where: str = "manifest") -> "Semantics":
        """The semantics a manifest records; a UsageError naming ``where`` for a value outside them."""
        mode, cores, bound = data.get("semantics", "vllm"), data.get("ascendCores"), data.get("blockBound", "table")
        if mode not in MODES:
            raise UsageError(f"{where}: semantics must be one of {', '.join(MODES)} (got {str(mode)[:40]!r})")
        if bound not in BOUNDS:
            raise UsageError(f"{where}: blockBound must be one of {', '.join(BOUNDS)} (got {str(bound)[:40]!r})")
        if cores is not None:
            cores = integer(cores, where, 1, 2**31 - 1, field="ascendCores")
        return Semantics(mode, cores, bound)


def socs_with_cores(cores: int) -> list[str]:
    """The known SoCs with ``cores`` vector cores."""
    return [name for name, count in KNOWN_SOCS.items() if count == cores]


def candidate_core_counts() -> list[int]:
    """1..MAX_TRIED_CORES, then any known SoC's count beyond it."""
    counts = list(range(1, MAX_TRIED_CORES + 1))
    counts += sorted({c for c in KNOWN_SOCS.values() if c > MAX_TRIED_CORES})
    return counts
