"""The prepare-step operations as the command sees them (prepare_step.md sections 3 and 9): for each, the
tensors it takes (required, optional), those it mutates, its integer scalars and its named options, all
under the spec's Python names. Case files, golden folders, the library call and the explanations read
this one table; adding an operation to the command is adding its entry here (and its row accounts in
prepare_terms.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

PREPARE_INPUTS = "prepare_inputs"
ADVANCE_DRAFTS = "advance_drafts"
POST_UPDATE = "post_update"
#: The most KV-cache groups (block tables) a case may have: engines use a handful.
MAX_GROUPS = 16
#: The file name of block table g (a case's tensors are files named after them).
TABLE = "block_tables"


def table_name(group: int) -> str:
    return f"{TABLE}_{group}"


@dataclass(frozen=True)
class Operation:
    """One operation: its tensors by role, its scalars (name -> default, None: not given) and options
    (name -> the choices, the first being the default)."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    #: The tensors the call mutates, in the order reports list them (those a case gives).
    outputs: tuple[str, ...]
    scalars: dict[str, Optional[int]] = field(default_factory=dict)
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    #: Whether it takes block_tables (a list of G tables) and block_size (an int or G ints).
    tables: bool = True

    @property
    def tensors(self) -> tuple[str, ...]:
        return self.required + self.optional

    def defaults(self) -> dict[str, object]:
        """Every scalar, option and flag at its default (a scalar None is left out of the call)."""
        return {**self.scalars, **{k: v[0] for k, v in self.options.items()}, **self.flags}


_DCP = {"cp_size": 1, "cp_rank": 0, "cp_interleave": 1}

OPERATIONS: dict[str, Operation] = {
    PREPARE_INPUTS: Operation(
        PREPARE_INPUTS,
        required=("idx_mapping", "query_start_loc", "num_computed_tokens", "positions", "seq_lens", "slot_mapping"),
        optional=("input_ids", "last_sampled_tokens", "draft_tokens", "prefill_len", "cu_num_logits",
                  "logits_indices", "token_seq_lens", "dcp_local_seq_lens"),
        outputs=("positions", "seq_lens", "slot_mapping", "input_ids", "logits_indices", "token_seq_lens",
                 "dcp_local_seq_lens"),
        scalars={"num_bonus": 1, **_DCP},
        options={"bound": ("row", "table"), "seq_lens_tail": ("zero", "keep"), "token_tail": ("keep", "zero")}),
    ADVANCE_DRAFTS: Operation(
        ADVANCE_DRAFTS,
        required=("idx_mapping", "query_start_loc", "positions", "input_ids", "slot_mapping"),
        optional=("delta", "tokens", "sampled_token_ids", "draft_tokens", "pos_in", "seq_lens", "seq_base",
                  "seq_sub", "token_seq_lens"),
        outputs=("query_start_loc", "positions", "input_ids", "slot_mapping", "seq_lens", "token_seq_lens"),
        scalars={"delta": 1, "pos_cap": None, "seq_cap": None, **_DCP},
        options={"on_cap": ("clamp", "pad"), "bound": ("row", "table"), "seq_lens_tail": ("keep", "zero")},
        flags={"rewrite_query_start_loc": False}),
    POST_UPDATE: Operation(
        POST_UPDATE,
        required=("idx_mapping", "num_computed_tokens", "last_sampled_tokens", "sampled_tokens", "num_sampled",
                  "num_rejected"),
        optional=("query_start_loc", "total_len", "all_token_ids"),
        outputs=("num_computed_tokens", "last_sampled_tokens", "total_len", "all_token_ids"),
        tables=False),
}
PREPARE_OPS = tuple(OPERATIONS)
#: Every tensor file name a prepare-step case may have (out_folder removes only these).
FILE_NAMES = tuple(dict.fromkeys(n for op in OPERATIONS.values() for n in op.tensors)) + tuple(
    table_name(g) for g in range(MAX_GROUPS))
#: The tensor dtypes a prepare-step case may give (each tensor on its own, spec section 1).
DTYPES = ("int32", "int64")
