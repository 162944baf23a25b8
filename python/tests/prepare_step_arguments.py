"""The argument rules of each prepare-step operation (spec prepare_step.md sections 4 and 10), in class order.

Each ``check_*`` function receives the call's keyword arguments and raises the first ArgumentError, class by
class: 1 (null or missing), 2 (dtype), 3 (shape), 4 (scalar), 5 (memory). Within a class the rules run in the
order of the operation's signature. Nothing here reads a tensor's values.
"""

from __future__ import annotations

from typing import Optional, Sequence

from prepare_step_arrays import Array
from prepare_step_checks import ArgumentChecks

TAILS_SEQ = ("zero", "keep")
TAILS_TOKEN = ("keep", "zero")
BOUNDS = ("row", "table")
CAPS = ("clamp", "pad")


class Groups:
    """The KV-cache groups of a call: G tables, G block sizes, and whether one bare table was passed."""

    def __init__(self, block_tables: object, block_size: object):
        self.bare = isinstance(block_tables, Array)
        self.tables: list = [block_tables] if self.bare else list(block_tables or [])
        self.sizes: list = list(block_size) if isinstance(block_size, (list, tuple)) else [block_size]

    def __len__(self) -> int:
        return len(self.tables)

    def named(self) -> dict[str, Optional[Array]]:
        return {"block_tables" if self.bare else f"block_tables[{g}]": t for g, t in enumerate(self.tables)}


def _check_groups_present(check: ArgumentChecks, groups: Groups) -> None:
    check.present(**{name: t for name, t in groups.named().items()})
    if not groups.tables:
        check.fail(1, "block_tables", "block_tables must hold at least one table (got none)")


def _check_groups_shapes(check: ArgumentChecks, groups: Groups) -> None:
    for name, table in groups.named().items():
        check.shape(table.ndim == 2, name, "2-D [Rb, W]", table)


def _check_groups_scalars(check: ArgumentChecks, groups: Groups, cp_size: object, cp_rank: object,
                          cp_interleave: object) -> None:
    check.scalar(len(groups.sizes) == len(groups), "block_size", f"one size per table ({len(groups)})",
                 groups.sizes)
    for g, size in enumerate(groups.sizes):
        check.integer("block_size" if len(groups.sizes) == 1 else f"block_size[{g}]", size, low=1)
    check.integer("cp_size", cp_size, low=1)
    check.integer("cp_rank", cp_rank, low=0, high=cp_size - 1)
    check.integer("cp_interleave", cp_interleave, low=1)
    if cp_size > 1:
        for g, size in enumerate(groups.sizes):
            check.scalar(cp_interleave <= size and size % cp_interleave == 0, "cp_interleave",
                         f"a divisor of block_size {size} (group {g}) when cp_size > 1", cp_interleave)


def check_prepare_inputs(a: dict, groups: Groups) -> None:
    check = ArgumentChecks("prepare_inputs")
    check.present(idx_mapping=a["idx_mapping"], query_start_loc=a["query_start_loc"],
                  num_computed_tokens=a["num_computed_tokens"], block_tables=a["block_tables"],
                  block_size=a["block_size"], positions=a["positions"], seq_lens=a["seq_lens"],
                  slot_mapping=a["slot_mapping"])
    _check_groups_present(check, groups)
    check.needed(a["logits_indices"] is not None, "cu_num_logits", a["cu_num_logits"], "logits_indices is given")
    check.needed(a["input_ids"] is not None and a["num_bonus"] == 1, "last_sampled_tokens",
                 a["last_sampled_tokens"], "input_ids is given with num_bonus = 1")

    tensors = {k: a[k] for k in ("idx_mapping", "query_start_loc", "num_computed_tokens", "positions", "seq_lens",
                                 "slot_mapping", "input_ids", "last_sampled_tokens", "draft_tokens", "prefill_len",
                                 "cu_num_logits", "logits_indices", "token_seq_lens", "dcp_local_seq_lens")}
    check.dtypes(**tensors, **groups.named())

    check.vector("idx_mapping", a["idx_mapping"], "1-D [R]")
    rows = a["idx_mapping"].shape[0]
    check.vector("query_start_loc", a["query_start_loc"], f"1-D with at least R + 1 = {rows + 1} elements",
                 at_least=rows + 1)
    check.state_vector("num_computed_tokens", a["num_computed_tokens"])
    check.vector("positions", a["positions"], "1-D [M]")
    tokens = a["positions"].shape[0]
    check.vector("seq_lens", a["seq_lens"], f"1-D with at least R = {rows} elements", at_least=rows)
    check.slot_mapping(a["slot_mapping"], len(groups), tokens, groups.bare)
    check.vector("input_ids", a["input_ids"], f"[M] = [{tokens}]", exactly=tokens)
    check.state_vector("last_sampled_tokens", a["last_sampled_tokens"], allow_column=True)
    check.matrix("draft_tokens", a["draft_tokens"], "2-D [Rmax, S]")
    check.state_vector("prefill_len", a["prefill_len"])
    check.vector("cu_num_logits", a["cu_num_logits"], f"1-D with at least R + 1 = {rows + 1} elements",
                 at_least=rows + 1)
    check.vector("logits_indices", a["logits_indices"], "1-D")
    check.vector("token_seq_lens", a["token_seq_lens"], f"[M] = [{tokens}]", exactly=tokens)
    check.vector("dcp_local_seq_lens", a["dcp_local_seq_lens"], f"[Rs] = [{a['seq_lens'].shape[0]}] as seq_lens",
                 exactly=a["seq_lens"].shape[0])
    _check_groups_shapes(check, groups)

    check.integer("num_bonus", a["num_bonus"], low=0, high=1)
    _check_groups_scalars(check, groups, a["cp_size"], a["cp_rank"], a["cp_interleave"])
    check.option("bound", a["bound"], BOUNDS)
    check.option("seq_lens_tail", a["seq_lens_tail"], TAILS_SEQ)
    check.option("token_tail", a["token_tail"], TAILS_TOKEN)

    outputs = ("positions", "seq_lens", "slot_mapping", "input_ids", "logits_indices", "token_seq_lens",
               "dcp_local_seq_lens")
    check.memory({k: tensors[k] for k in outputs},
                 {**{k: v for k, v in tensors.items() if k not in outputs}, **groups.named()})


def check_advance_drafts(a: dict, groups: Groups) -> None:
    check = ArgumentChecks("advance_drafts")
    check.present(idx_mapping=a["idx_mapping"], query_start_loc=a["query_start_loc"], positions=a["positions"],
                  input_ids=a["input_ids"], slot_mapping=a["slot_mapping"], block_tables=a["block_tables"],
                  block_size=a["block_size"], delta=a["delta"])
    _check_groups_present(check, groups)
    given = [k for k in ("tokens", "sampled_token_ids") if a[k] is not None]
    if len(given) != 1:
        check.fail(1, "tokens", "exactly one of tokens and sampled_token_ids is required (got "
                   + (" and ".join(given) if given else "neither") + ")")
    check.needed(a["on_cap"] == "pad", "pos_cap", a["pos_cap"], "on_cap is 'pad'")

    delta = a["delta"] if isinstance(a["delta"], Array) else None
    tensors = {k: a[k] for k in ("idx_mapping", "query_start_loc", "positions", "input_ids", "slot_mapping",
                                 "tokens", "sampled_token_ids", "draft_tokens", "pos_in", "seq_lens", "seq_base",
                                 "seq_sub", "token_seq_lens")}
    check.dtypes(**tensors, delta=delta, **groups.named())

    check.vector("idx_mapping", a["idx_mapping"], "1-D [R]")
    rows = a["idx_mapping"].shape[0]
    check.vector("query_start_loc", a["query_start_loc"], f"1-D with at least R + 1 = {rows + 1} elements",
                 at_least=rows + 1)
    check.vector("positions", a["positions"], "1-D [M]")
    tokens = a["positions"].shape[0]
    check.vector("input_ids", a["input_ids"], f"[M] = [{tokens}]", exactly=tokens)
    check.slot_mapping(a["slot_mapping"], len(groups), tokens, groups.bare)
    _check_groups_shapes(check, groups)
    check.vector("delta", delta, f"1-D with at least R = {rows} elements", at_least=rows)
    check.vector("tokens", a["tokens"], f"1-D with at least R = {rows} elements", at_least=rows)
    check.matrix("sampled_token_ids", a["sampled_token_ids"], f"2-D [R, K] with R >= {rows} and K >= 1",
                 min_rows=rows, min_cols=1)
    check.matrix("draft_tokens", a["draft_tokens"], "2-D [Rmax, S]")
    # pos_in is read per token: all of [0, M), or one per row when every row is one token (10.1).
    pos_in_need = rows if a["rewrite_query_start_loc"] is True else tokens
    check.vector("pos_in", a["pos_in"], f"1-D with at least {pos_in_need} elements", at_least=pos_in_need)
    check.vector("seq_lens", a["seq_lens"], f"1-D with at least R = {rows} elements", at_least=rows)
    check.vector("seq_base", a["seq_base"], f"1-D with at least R = {rows} elements", at_least=rows)
    check.vector("seq_sub", a["seq_sub"], f"1-D with at least R = {rows} elements", at_least=rows)
    check.vector("token_seq_lens", a["token_seq_lens"], f"[M] = [{tokens}]", exactly=tokens)

    if delta is None:
        check.integer("delta", a["delta"])
    _check_groups_scalars(check, groups, a["cp_size"], a["cp_rank"], a["cp_interleave"])
    if a["pos_cap"] is not None:
        check.integer("pos_cap", a["pos_cap"], low=0)
    if a["seq_cap"] is not None:
        check.integer("seq_cap", a["seq_cap"], low=1)
    check.option("on_cap", a["on_cap"], CAPS)
    check.scalar(isinstance(a["rewrite_query_start_loc"], bool), "rewrite_query_start_loc", "a bool",
                 a["rewrite_query_start_loc"])
    check.option("bound", a["bound"], BOUNDS)
    check.option("seq_lens_tail", a["seq_lens_tail"], TAILS_SEQ)

    outputs = ["positions", "input_ids", "slot_mapping", "seq_lens", "token_seq_lens"]
    if a["rewrite_query_start_loc"]:
        outputs.append("query_start_loc")  # 2.8: the rewrite writes it
    inputs = {k: v for k, v in tensors.items() if k not in outputs}
    check.memory({k: tensors[k] for k in outputs}, {**inputs, "delta": delta, **groups.named()},
                 in_place=(("positions", "pos_in"), ("seq_lens", "seq_base")))


def check_post_update(a: dict) -> None:
    check = ArgumentChecks("post_update")
    check.present(idx_mapping=a["idx_mapping"], num_computed_tokens=a["num_computed_tokens"],
                  last_sampled_tokens=a["last_sampled_tokens"], sampled_tokens=a["sampled_tokens"],
                  num_sampled=a["num_sampled"], num_rejected=a["num_rejected"])
    check.needed(a["all_token_ids"] is not None, "total_len", a["total_len"], "all_token_ids is given")
    check.needed(a["total_len"] is not None, "all_token_ids", a["all_token_ids"], "total_len is given")

    tensors = {k: a[k] for k in ("idx_mapping", "num_computed_tokens", "last_sampled_tokens", "sampled_tokens",
                                 "num_sampled", "num_rejected", "query_start_loc", "total_len", "all_token_ids")}
    check.dtypes(**tensors)

    check.vector("idx_mapping", a["idx_mapping"], "1-D [R]")
    rows = a["idx_mapping"].shape[0]
    check.state_vector("num_computed_tokens", a["num_computed_tokens"])
    check.state_vector("last_sampled_tokens", a["last_sampled_tokens"], allow_column=True)
    check.matrix("sampled_tokens", a["sampled_tokens"], f"2-D [R, K] with R >= {rows} and K >= 1",
                 min_rows=rows, min_cols=1)
    check.vector("num_sampled", a["num_sampled"], f"1-D with at least R = {rows} elements", at_least=rows)
    check.vector("num_rejected", a["num_rejected"], f"1-D with at least R = {rows} elements", at_least=rows)
    check.vector("query_start_loc", a["query_start_loc"], f"1-D with at least R + 1 = {rows + 1} elements",
                 at_least=rows + 1)
    check.state_vector("total_len", a["total_len"])
    check.matrix("all_token_ids", a["all_token_ids"], "2-D [Rmax, Wt]")

    outputs = ("num_computed_tokens", "last_sampled_tokens", "total_len", "all_token_ids")
    check.memory({k: tensors[k] for k in outputs}, {k: v for k, v in tensors.items() if k not in outputs})


def state_rows(*tensors: Optional[Array], tables: Sequence[Array] = ()) -> int:
    """10.8: Rmax, the smallest dim 0 of the state tensors passed (and of each block table)."""
    dims = [t.shape[0] for t in list(tensors) + list(tables) if t is not None]
    return min(dims)
