"""advstep's native extension; use the functions of the package advstep."""

from collections.abc import Sequence


def advance_step(input_tokens: object | None, sampled_token_ids: object | None, input_positions: object | None, seq_lens: object | None, slot_mapping: object | None, block_tables: object | None, num_seqs: int, num_queries: int, block_size: int, *, spec_token: object | None = None, accepted_num: object | None = None, stream: int = 0, synchronous: bool = True, semantics: str = 'vllm', ascend_cores: int = 0, block_bound: str = 'table') -> None:
    """
    Runs advstep::advance_step on DLPack / buffer-protocol arrays, in place.

    The low-level entry point behind advstep.advance_step: spec_token and accepted_num are None when not
    given, and stream is the cudaStream_t (as an int) to run on for CUDA arrays, 0 for the default stream.
    With synchronous=False, CUDA arrays are only enqueued (capturable in a CUDA graph) and a data fault
    waits for check_cuda_faults(). semantics ("vllm" or "ascend"), ascend_cores (0: from the SoC name) and
    block_bound ("table" or "row") choose the semantics (advstep::Options). Raises advstep.ArgumentError
    (a ValueError) for bad arguments and advstep.DataFaultError (a RuntimeError) for values that cannot be
    advanced; no array is modified when it raises.
    """

def advance_step_flashinfer(num_seqs: int, num_queries: int, block_size: int, input_tokens: object | None, sampled_token_ids: object | None, input_positions: object | None, seq_lens: object | None, slot_mapping: object | None, block_tables: object | None, paged_kv_indices: object | None, paged_kv_indptr: object | None, paged_kv_last_page_len: object | None, block_table_bound: object | None, *, stream: int = 0, synchronous: bool = True) -> None:
    """
    Runs advstep::advance_step on an advstep::FlashInferStep (vLLM's advance_step_flashinfer), in place:
    the low-level entry point behind advstep.advance_step_flashinfer (stream and synchronous as for
    advance_step).
    """

def prepare_inputs(*, idx_mapping: object | None, query_start_loc: object | None, num_computed_tokens: object | None, block_tables: list, block_size: Sequence[int], positions: object | None, seq_lens: object | None, slot_mapping: object | None, input_ids: object | None, last_sampled_tokens: object | None, draft_tokens: object | None, prefill_len: object | None, cu_num_logits: object | None, logits_indices: object | None, num_bonus: int, token_seq_lens: object | None, dcp_local_seq_lens: object | None, cp_size: int, cp_rank: int, cp_interleave: int, bound: str, seq_lens_tail: str, token_tail: str) -> None:
    """
    Runs advstep::prepare_inputs on DLPack / buffer-protocol host arrays: the low-level entry point behind
    advstep.prepare_inputs (block_tables a list of G tables, block_size a list of G ints).
    """

def post_update(*, idx_mapping: object | None, num_computed_tokens: object | None, last_sampled_tokens: object | None, sampled_tokens: object | None, num_sampled: object | None, num_rejected: object | None, query_start_loc: object | None = None, total_len: object | None = None, all_token_ids: object | None = None, stream: int = 0, synchronous: bool = True) -> None:
    """
    Runs advstep::post_update on DLPack / buffer-protocol arrays, in place: the low-level entry point
    behind advstep.post_update (optional arrays None when not given; stream the cudaStream_t as an int,
    0 for the default stream; synchronous=False only enqueues on CUDA arrays, and a data fault then
    waits for check_cuda_faults()).
    """

def advance_drafts(*, idx_mapping: object | None, query_start_loc: object | None, positions: object | None, input_ids: object | None, slot_mapping: object | None, block_tables: list, block_size: Sequence[int], delta: int, delta_per_row: object | None, tokens: object | None, sampled_token_ids: object | None, draft_tokens: object | None, pos_in: object | None, seq_lens: object | None, seq_base: object | None, seq_sub: object | None, token_seq_lens: object | None, pos_cap: int | None, seq_cap: int | None, on_cap: int, rewrite_query_start_loc: bool, cp_size: int, cp_rank: int, cp_interleave: int, bound: int, seq_lens_tail: int, stream: int = 0, synchronous: bool = True) -> None:
    """
    Runs advstep::advance_drafts on DLPack / buffer-protocol arrays: the low-level entry point behind
    advstep.advance_drafts (block_tables a list of G tables, block_size a list of G ints, delta an int
    with delta_per_row None or an [R] array, on_cap/bound/seq_lens_tail the library's enumerator values).
    """

SEMANTICS: tuple = ('vllm', 'ascend')

BLOCK_BOUNDS: tuple = ('table', 'row')

MAX_ASCEND_CORES: int = 2147483647

DEFAULT_ASCEND_CORES: int = 48

def check_cuda_faults(device: int) -> None:
    """
    Waits for CUDA device `device` and raises advstep.DataFaultError for the first data fault of calls
    made with synchronous=False there since the last check (later ones counted in the message).
    """

def device_available(device: str) -> bool:
    """
    True when this build and machine can run advance_step on 'cpu' (always) or 'cuda' arrays.
    """
