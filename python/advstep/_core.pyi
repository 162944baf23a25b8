"""advstep's native extension; use the functions of the package advstep."""

from typing import Any, Optional

def advance_step(
    input_tokens: Any,
    sampled_token_ids: Any,
    input_positions: Any,
    seq_lens: Any,
    slot_mapping: Any,
    block_tables: Any,
    num_seqs: int,
    num_queries: int,
    block_size: int,
    *,
    spec_token: Optional[Any] = None,
    accepted_num: Optional[Any] = None,
    stream: int = 0,
) -> None:
    """Runs advstep::advance_step on DLPack / buffer-protocol arrays, in place.

    ``stream`` is the cudaStream_t (as an int) for CUDA arrays, 0 for the default stream. Raises
    advstep.ArgumentError (a ValueError) or advstep.DataFaultError (a RuntimeError); no array is
    modified when it raises.
    """

def device_available(device: str) -> bool:
    """True when this build and machine can run advance_step on 'cpu' (always) or 'cuda' arrays."""
