"""torch.ops.advstep.prepare_inputs, .advance_drafts and .post_update: the prepare step as PyTorch custom ops.

The three operations of prepare_step.md (sections 3 and 9) with the Python API's keyword-only arguments and
names, so that ``torch.compile(fullgraph=True)`` traces an engine's decode loop as one graph:

- every tensor an operation may write carries a mutation annotation (``Tensor(a!)``; ``Tensor(a!)?`` for an
  optional output), so functionalisation copies the results back; nothing else is annotated;
- ``block_tables`` is ``Tensor[]`` (one tensor per KV-cache group: a bare table is a list of one) and
  ``block_size`` is ``int[1]`` (one int, taken for a list of one, or one int per group);
- ``delta`` of advance_drafts is an int for every row or an ``[R]`` tensor: two overloads,
  ``advance_drafts.int`` and ``advance_drafts.Tensor``, which ``torch.ops.advstep.advance_drafts(...)`` picks
  by the type of ``delta``; ``pos_cap`` and ``seq_cap`` are ``int?``;
- the in-place pairs of section 3.2 are written by leaving ``pos_in`` and ``seq_base`` out (None): the op
  then reads ``positions`` and ``seq_lens`` as they were at the call's start. An explicit alias of an
  output is also accepted eagerly, but an aliasing input is something functionalisation does not promise
  to keep.

The fake kernels only return: the operations write into their arguments, whose shapes do not change. The
real kernels hand the tensors to the Python API (advstep.prepare_inputs, ...) as DLPack capsules, so every
check is the API's own: argument errors raise advstep.ArgumentError and data faults advstep.DataFaultError,
with no tensor written. The dispatcher converts the scalars first: a bool given for an int reaches the op
as 0 or 1, and a value of the wrong type is torch's error (the Python API refuses both itself before it
calls the op). CUDA tensors are handed over with the current stream of their device; while that stream is
being captured into a CUDA graph, post_update only enqueues (advstep.check_cuda_faults() reports a replay's
fault).
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import torch
from torch.utils.dlpack import to_dlpack

from . import _core
from ._torch_op import all_tensors

PREPARE_INPUTS_SCHEMA = (
    "prepare_inputs(*, Tensor idx_mapping, Tensor query_start_loc, Tensor num_computed_tokens, "
    "Tensor[] block_tables, int[1] block_size, Tensor(a!) positions, Tensor(b!) seq_lens, "
    "Tensor(c!) slot_mapping, Tensor(d!)? input_ids=None, Tensor? last_sampled_tokens=None, "
    "Tensor? draft_tokens=None, Tensor? prefill_len=None, Tensor? cu_num_logits=None, "
    "Tensor(e!)? logits_indices=None, int num_bonus=1, Tensor(f!)? token_seq_lens=None, "
    "Tensor(g!)? dcp_local_seq_lens=None, int cp_size=1, int cp_rank=0, int cp_interleave=1, "
    'str bound="row", str seq_lens_tail="zero", str token_tail="keep") -> ()'
)

#: query_start_loc is written when rewrite_query_start_loc is True; a schema cannot make that conditional.
_ADVANCE_DRAFTS_ARGUMENTS = (
    "*, Tensor idx_mapping, Tensor(a!) query_start_loc, Tensor(b!) positions, Tensor(c!) input_ids, "
    "Tensor(d!) slot_mapping, Tensor[] block_tables, int[1] block_size, {delta} delta, Tensor? tokens=None, "
    "Tensor? sampled_token_ids=None, Tensor? draft_tokens=None, Tensor? pos_in=None, "
    "Tensor(e!)? seq_lens=None, Tensor? seq_base=None, Tensor? seq_sub=None, "
    "Tensor(f!)? token_seq_lens=None, int? pos_cap=None, int? seq_cap=None, str on_cap=\"clamp\", "
    "bool rewrite_query_start_loc=False, int cp_size=1, int cp_rank=0, int cp_interleave=1, "
    'str bound="row", str seq_lens_tail="keep"'
)
ADVANCE_DRAFTS_SCHEMAS = {
    "int": f"advance_drafts.int({_ADVANCE_DRAFTS_ARGUMENTS.format(delta='int')}) -> ()",
    "Tensor": f"advance_drafts.Tensor({_ADVANCE_DRAFTS_ARGUMENTS.format(delta='Tensor')}) -> ()",
}

POST_UPDATE_SCHEMA = (
    "post_update(*, Tensor idx_mapping, Tensor(a!) num_computed_tokens, Tensor(b!) last_sampled_tokens, "
    "Tensor sampled_tokens, Tensor num_sampled, Tensor num_rejected, Tensor? query_start_loc=None, "
    "Tensor(c!)? total_len=None, Tensor(d!)? all_token_ids=None) -> ()"
)


def _capsule(value: Any) -> Any:
    """A tensor as a DLPack capsule (a list of them for block_tables); anything else unchanged."""
    if isinstance(value, torch.Tensor):
        return to_dlpack(value)
    if isinstance(value, list):
        return [_capsule(item) for item in value]
    return value


def _device_of(kwargs: dict[str, Any]) -> Optional[torch.device]:
    """The CUDA device of the call's tensors (positions, or the state for post_update), or None on the host."""
    first = kwargs.get("positions", kwargs.get("num_computed_tokens"))
    return first.device if isinstance(first, torch.Tensor) and first.is_cuda else None


def _run(api_name: str) -> Callable[..., None]:
    """The real kernel of one op: the Python API on capsules of the same tensors, on the current stream.

    While that stream is being captured into a CUDA graph, an operation whose native entry can enqueue
    without waiting (post_update) only enqueues, and advstep.check_cuda_faults() reports a replay's data
    fault, as torch.ops.advstep.advance_step does; the others are called as outside a capture.
    """

    def kernel(**kwargs: Any) -> None:
        import advstep

        api = getattr(advstep, api_name, None)
        if api is None:
            raise NotImplementedError(f"torch.ops.advstep.{api_name}: this build has no advstep.{api_name}")
        arguments = {name: _capsule(value) for name, value in kwargs.items()}
        device = _device_of(kwargs)
        if device is None:
            api(**arguments)
            return
        with torch.cuda.device(device):
            stream = torch.cuda.current_stream().cuda_stream
            enqueue = _ENQUEUE_ONLY.get(api_name)
            if enqueue is not None and torch.cuda.is_current_stream_capturing():
                enqueue(**arguments, stream=stream, synchronous=False)
                return
            api(**arguments, stream=stream)

    kernel.__name__ = f"_{api_name}"
    return kernel


#: The native entries that take synchronous=False, with the op's own keywords (the API adds only its stream).
_ENQUEUE_ONLY: dict[str, Callable[..., None]] = {"post_update": _core.post_update}


def _writes_in_place(**kwargs: Any) -> None:
    """The fake kernel of every op: nothing to infer, the op only writes into its arguments."""
    return None


_LIBRARY = torch.library.Library("advstep", "FRAGMENT")
for _qualified, _schema, _api in (
    ("prepare_inputs", PREPARE_INPUTS_SCHEMA, "prepare_inputs"),
    ("advance_drafts.int", ADVANCE_DRAFTS_SCHEMAS["int"], "advance_drafts"),
    ("advance_drafts.Tensor", ADVANCE_DRAFTS_SCHEMAS["Tensor"], "advance_drafts"),
    ("post_update", POST_UPDATE_SCHEMA, "post_update"),
):
    _LIBRARY.define(_schema)
    _LIBRARY.impl(_qualified, _run(_api), "CPU")
    _LIBRARY.impl(_qualified, _run(_api), "CUDA")
    torch.library.register_fake(f"advstep::{_qualified}", _writes_in_place, lib=_LIBRARY)


def _table_list(block_tables: Any) -> Any:
    """block_tables as the op's Tensor[]: a bare table becomes a list of one (the same group count G = 1)."""
    return list(block_tables) if isinstance(block_tables, (list, tuple)) else [block_tables]


def routes(tensors: Sequence[Any], optional: Sequence[Any], block_tables: Any = ()) -> bool:
    """Whether a Python API call goes through its torch op: every array given is a torch.Tensor, and none
    has a lazy negation or conjugation bit (those take the direct path, whose importer refuses them by name:
    torch would hand the op a resolved copy, and the op's writes would be lost)."""
    given = tuple(tensors) + tuple(_table_list(block_tables))
    if not all_tensors(given, tuple(optional)):
        return False
    if torch.compiler.is_compiling():  # Dynamo cannot trace is_neg() (a bool); the traced op is functionalized
        return True
    return not any(t.is_neg() or t.is_conj() for t in given + tuple(o for o in optional if o is not None))


def call(op_name: str, kwargs: dict[str, Any]) -> None:
    """Runs torch.ops.advstep.<op_name> with the Python API's keywords, already checked by the API.

    ``stream`` is dropped (the op runs on the current stream); block_tables becomes a list; advance_drafts
    takes the overload that ``delta``'s type names.
    """
    arguments = {name: value for name, value in kwargs.items() if name != "stream"}
    if "block_tables" in arguments:
        arguments["block_tables"] = _table_list(arguments["block_tables"])
    if op_name == "advance_drafts":
        overload = "Tensor" if isinstance(arguments["delta"], torch.Tensor) else "int"
        getattr(torch.ops.advstep.advance_drafts, overload)(**arguments)
        return
    getattr(torch.ops.advstep, op_name).default(**arguments)
