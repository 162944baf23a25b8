"""One advance_step case: its attributes and input tensors, under CANN's parameter names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

#: The tensors of aclnnAdvanceStep(V2), in the order of its signature.
REQUIRED_INPUTS = ("inputTokens", "sampledTokenIds", "inputPositions", "seqLens", "slotMapping", "blockTables")
OPTIONAL_INPUTS = ("specToken", "acceptedNum")
ALL_INPUTS = REQUIRED_INPUTS + OPTIONAL_INPUTS
#: The tensors the operator updates in place: what a golden's expected/ folder holds.
OUTPUTS = ("inputTokens", "inputPositions", "seqLens", "slotMapping")
ATTRIBUTES = ("numSeqs", "numQueries", "blockSize")
#: The operators a case may call: CANN's advance_step (aclnnAdvanceStep(V2)), and vLLM's FlashInfer
#: form (spec section 9), which CANN does not have: its cases carry no aclnn name.
ADVANCE_STEP = "advance_step"
FLASHINFER = "advance_step_flashinfer"
OPS = (ADVANCE_STEP, FLASHINFER)
#: FlashInfer's paged-KV metadata, which the FlashInfer form also updates (named in the files' camelCase).
METADATA = ("pagedKvIndices", "pagedKvIndptr", "pagedKvLastPageLen", "blockTableBound")
#: Every tensor a case folder may hold.
FILE_TENSORS = ALL_INPUTS + METADATA
#: The dtypes a metadata tensor may have (every other tensor of a case is int64).
METADATA_DTYPES = ("int32", "int64")
#: CANN parameter name -> advstep.advance_step keyword.
PYTHON_NAMES = {
    "inputTokens": "input_tokens",
    "sampledTokenIds": "sampled_token_ids",
    "inputPositions": "input_positions",
    "seqLens": "seq_lens",
    "slotMapping": "slot_mapping",
    "blockTables": "block_tables",
    "specToken": "spec_token",
    "acceptedNum": "accepted_num",
    "pagedKvIndices": "paged_kv_indices",
    "pagedKvIndptr": "paged_kv_indptr",
    "pagedKvLastPageLen": "paged_kv_last_page_len",
    "blockTableBound": "block_table_bound",
}


def cann_refusal(api: str, speculative: bool, num_seqs: int, num_queries: int) -> Optional[str]:
    """Why CANN's contract refuses these attributes before any tensor is read (None when it does
    not): off the speculative path, aclnnAdvanceStep and aclnnAdvanceStepV2 need numSeqs >
    numQueries (561002). advstep.advance_step follows vLLM, which takes numSeqs == numQueries, so
    every verb applies this rule itself: a golden, a run and a check hold only calls CANN makes."""
    if not speculative and num_seqs <= num_queries:
        return (f"numSeqs {num_seqs} <= numQueries {num_queries}, which {api} refuses off the speculative "
                f"path (561002: numSeqs must be greater than numQueries)")
    return None


def flashinfer_refusal(num_seqs: int, num_queries: int) -> Optional[str]:
    """Why advance_step_flashinfer refuses these counts before any tensor is read (None when it does not)."""
    if num_queries > num_seqs:
        return (f"numQueries {num_queries} > numSeqs {num_seqs}, which {FLASHINFER} refuses "
                f"(spec section 7: numSeqs must be at least numQueries)")
    return None


@dataclass
class Case:
    """Inputs of one call. ``tensors`` maps CANN names to int64 arrays (the optional two may be
    missing); ``num_seqs``, ``num_queries``, ``block_size`` are N, Q, B."""

    name: str
    num_seqs: int
    num_queries: int
    block_size: int
    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    #: ADVANCE_STEP or FLASHINFER.
    op: str = ADVANCE_STEP
    #: The dtype each metadata tensor is passed with (int64 when not named); values are held as int64.
    dtypes: dict[str, str] = field(default_factory=dict)

    @property
    def is_flashinfer(self) -> bool:
        return self.op == FLASHINFER

    @property
    def outputs(self) -> tuple[str, ...]:
        """The tensors the call updates: the four of advance_step, and the metadata for FlashInfer."""
        return OUTPUTS + METADATA if self.is_flashinfer else OUTPUTS

    def dtype(self, name: str) -> str:
        return self.dtypes.get(name, "int64")

    @property
    def api(self) -> str:
        """The entry point this case calls: advance_step_flashinfer, or CANN's (V2 when the case
        carries an optional input)."""
        if self.is_flashinfer:
            return FLASHINFER
        return "aclnnAdvanceStepV2" if any(n in self.tensors for n in OPTIONAL_INPUTS) else "aclnnAdvanceStep"

    def has_speculation(self) -> bool:
        """Both optional inputs present and non-empty: the speculative path."""
        return all(n in self.tensors and self.tensors[n].size > 0 for n in OPTIONAL_INPUTS)

    @property
    def spec_num(self) -> int:
        """S, drafts per sequence (0 without speculation)."""
        return int(self.tensors["specToken"].shape[1]) if self.has_speculation() else 0

    def summary(self) -> str:
        """"N=8 Q=4 B=2 W=1" (plus S on the speculative path)."""
        width = self.tensors["blockTables"].size // max(1, self.tensors["blockTables"].shape[0])
        text = f"N={self.num_seqs} Q={self.num_queries} B={self.block_size} W={width}"
        if self.is_flashinfer:
            int32 = [name for name in METADATA if self.dtype(name) == "int32"]
            return text + f" C={self.tensors['pagedKvIndices'].size}" + (f" (int32 {' '.join(int32)})" if int32 else "")
        return text + (f" S={self.spec_num}" if self.has_speculation() else "")

    def refusal(self) -> Optional[str]:
        """Why CANN would refuse this call (cann_refusal), or None; the FlashInfer form, which CANN
        lacks, follows the native contract instead (spec section 7: numSeqs >= numQueries)."""
        if self.is_flashinfer:
            return flashinfer_refusal(self.num_seqs, self.num_queries)
        return cann_refusal(self.api, self.has_speculation(), self.num_seqs, self.num_queries)

    def attributes(self) -> dict[str, int]:
        return {"numSeqs": self.num_seqs, "numQueries": self.num_queries, "blockSize": self.block_size}
