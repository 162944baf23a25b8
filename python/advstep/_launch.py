"""Runs the native operator on the arrays' device and, for CUDA arrays, on the current stream."""

from __future__ import annotations

import operator
import sys
from typing import Any, Optional

from . import _core
from ._errors import INVALID_ARGUMENT, OUT_OF_RANGE, ArgumentError

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_DLPACK_CUDA = 2
_DLPACK_CUDA_MANAGED = 13


def integer(api: str, name: str, value: Any) -> int:
    """``value`` as a Python int (numpy and torch integer scalars included); a bool is refused.

    Raises TypeError when ``value`` is not an integer, and ArgumentError (161002) for a bool (or
    anything whose ``__index__`` gives one): True is an int to Python, but never a count, a size or
    a device index.
    """
    try:
        number = operator.index(value)
    except Exception as error:  # TypeError, or whatever a hostile __index__ raises
        raise TypeError(f"{api}: {name} must be an integer (got {type(value).__name__})") from error
    if isinstance(value, bool) or isinstance(number, bool):
        raise ArgumentError(
            f"{api}: {name} must be an integer, not a bool (expected an int, got {value!r})",
            INVALID_ARGUMENT,
        )
    return number


def _int64(name: str, value: Any, api: str = "advstep.advance_step") -> int:
    """``value`` as a Python int (numpy and torch integer scalars included) within int64."""
    number = integer(api, name, value)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise ArgumentError(
            f"{api}: {name} does not fit int64 (expected a value in "
            f"[-2^63, 2^63), got {number})",
            OUT_OF_RANGE,
        )
    return number


#: The names the keywords take and the largest core count, from the library (advstep::semantics_names(),
#: block_bound_names(), kMaxAscendCores): the rules are the library's; only the message is formed here,
#: in plain Python, so that torch.compile traces advstep.advance_step without a graph break.
SEMANTICS = _core.SEMANTICS
BLOCK_BOUNDS = _core.BLOCK_BOUNDS
_MAX_ASCEND_CORES = _core.MAX_ASCEND_CORES


def _quoted(names: tuple[str, ...]) -> str:
    """('vllm', 'ascend') -> "'vllm' or 'ascend'"."""
    quoted = [repr(name) for name in names]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]


def options(semantics: Any, ascend_cores: Any, block_bound: Any) -> tuple[str, int, str]:
    """The three keywords, checked: (semantics, ascend_cores with 0 for None, block_bound).

    Raises ArgumentError (161002) for a semantics or block_bound the library does not name, or an
    ascend_cores that is neither None nor an integer in [1, 2^31 - 1].
    """
    if not isinstance(semantics, str) or semantics not in SEMANTICS:
        raise ArgumentError(
            f"advstep.advance_step: semantics must name a semantics (expected {_quoted(SEMANTICS)}, "
            f"got {semantics!r})",
            INVALID_ARGUMENT,
        )
    if not isinstance(block_bound, str) or block_bound not in BLOCK_BOUNDS:
        raise ArgumentError(
            f"advstep.advance_step: block_bound must name a bound (expected {_quoted(BLOCK_BOUNDS)}, "
            f"got {block_bound!r})",
            INVALID_ARGUMENT,
        )
    if ascend_cores is None:
        return semantics, 0, block_bound
    cores = None
    if not isinstance(ascend_cores, bool):
        try:
            cores = operator.index(ascend_cores)
        except Exception:  # TypeError, or whatever a hostile __index__ raises
            cores = None
    if cores is None or not 1 <= cores <= _MAX_ASCEND_CORES:
        raise ArgumentError(
            f"advstep.advance_step: ascend_cores must be None or a vector-core count (expected an "
            f"integer in [1, {_MAX_ASCEND_CORES}], got {ascend_cores!r})",
            INVALID_ARGUMENT,
        )
    return semantics, cores, block_bound


def _cuda_ordinal(array: Any) -> Optional[int]:
    """The CUDA device index of ``array``, or None for other devices and non-DLPack objects.

    Only picks the stream: the device the array's DLPack capsule states is the one the extension
    checks (an unknown device type is refused there). Raises ArgumentError (161002) when
    ``__dlpack_device__`` raises or returns anything but a (device type, device id) tuple of ints.
    """
    try:
        dlpack_device = getattr(array, "__dlpack_device__", None)
    except Exception as error:  # a property that raises
        raise _device_error(f"reading __dlpack_device__ raised {type(error).__name__}: {error}") from error
    if dlpack_device is None:
        return None
    try:
        device = dlpack_device()
    except Exception as error:
        raise _device_error(f"it raised {type(error).__name__}: {error}") from error
    if not isinstance(device, tuple) or len(device) != 2:
        raise _device_error(f"it returned {_describe(device)}")
    try:
        device_type, device_id = (integer("__dlpack_device__", "device", part) for part in device)
    except (TypeError, ArgumentError) as error:
        raise _device_error(f"it returned {_describe(device)}") from error
    if device_type not in (_DLPACK_CUDA, _DLPACK_CUDA_MANAGED):
        return None
    if device_id < 0:
        raise _device_error(f"it returned CUDA device id {device_id}")
    return device_id


def _describe(value: Any) -> str:
    """A short account of a value a producer returned: its type, and its repr when that is short."""
    try:
        text = repr(value)
    except Exception:
        text = "?"
    return f"{type(value).__name__} {text}" if len(text) <= 80 else type(value).__name__


def _device_error(got: str) -> ArgumentError:
    return ArgumentError(
        "advstep.advance_step: input_tokens.__dlpack_device__() must return (device type, device id) "
        f"(expected a tuple of two ints, the id >= 0, got: {got})",
        INVALID_ARGUMENT,
    )


def run(
    arrays: tuple[Any, Any, Any, Any, Any, Any],
    num_seqs: Any,
    num_queries: Any,
    block_size: Any,
    spec_token: Any,
    accepted_num: Any,
    stream: int = 0,
    synchronous: bool = True,
    semantics: Any = "vllm",
    ascend_cores: Any = None,
    block_bound: Any = "table",
) -> None:
    """The extension call: the six required arrays in torch_npu's order, counts as int64.

    ``synchronous=False`` only enqueues CUDA work (for CUDA-graph capture); faults then wait for
    ``_core.check_cuda_faults``.
    """
    input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables = arrays
    chosen, cores, bound = options(semantics, ascend_cores, block_bound)
    _core.advance_step(
        input_tokens,
        sampled_token_ids,
        input_positions,
        seq_lens,
        slot_mapping,
        block_tables,
        _int64("num_seqs", num_seqs),
        _int64("num_queries", num_queries),
        _int64("block_size", block_size),
        spec_token=spec_token,
        accepted_num=accepted_num,
        stream=stream,
        synchronous=synchronous,
        semantics=chosen,
        ascend_cores=cores,
        block_bound=bound,
    )


def on_current_stream(array: Any, call: Any) -> None:
    """Calls ``call(stream=...)`` on the device and current stream of ``array``'s array library.

    torch CUDA tensors run on ``torch.cuda.current_stream()`` of their device and CuPy arrays on
    ``cupy.cuda.get_current_stream()``, both under a guard that makes their device current; other
    CUDA producers run on the default stream. Host arrays need no stream.
    """
    ordinal = _cuda_ordinal(array)
    if ordinal is None:
        call(stream=0)
        return
    # The array's own class, not its module's name, says which framework's stream to use: an object
    # that only claims a torch or CuPy module runs on the default stream like any other producer.
    torch, cupy = sys.modules.get("torch"), sys.modules.get("cupy")
    if torch is not None and isinstance(array, torch.Tensor):
        with torch.cuda.device(ordinal):
            call(stream=torch.cuda.current_stream(ordinal).cuda_stream)
    elif cupy is not None and isinstance(array, cupy.ndarray):
        with cupy.cuda.Device(ordinal):
            call(stream=cupy.cuda.get_current_stream().ptr)
    else:
        call(stream=0)


def launch(
    input_tokens: Any,
    sampled_token_ids: Any,
    input_positions: Any,
    seq_lens: Any,
    slot_mapping: Any,
    block_tables: Any,
    num_seqs: Any,
    num_queries: Any,
    block_size: Any,
    spec_token: Any = None,
    accepted_num: Any = None,
    semantics: Any = "vllm",
    ascend_cores: Any = None,
    block_bound: Any = "table",
) -> None:
    """Runs on the device and the current stream of ``input_tokens``'s array library."""
    arrays = (input_tokens, sampled_token_ids, input_positions, seq_lens, slot_mapping, block_tables)
    counts = (num_seqs, num_queries, block_size, spec_token, accepted_num)
    chosen = {"semantics": semantics, "ascend_cores": ascend_cores, "block_bound": block_bound}
    on_current_stream(input_tokens, lambda stream: run(arrays, *counts, stream=stream, **chosen))


def run_flashinfer(arrays: tuple[Any, ...], counts: tuple[Any, Any, Any], stream: int = 0,
                   synchronous: bool = True) -> None:
    """The extension call of the FlashInfer step: counts (num_seqs, num_queries, block_size) as int64,
    then the ten arrays in vLLM's order."""
    names = ("num_seqs", "num_queries", "block_size")
    checked = [_int64(name, value, "advstep.advance_step_flashinfer") for name, value in zip(names, counts)]
    _core.advance_step_flashinfer(*checked, *arrays, stream=stream, synchronous=synchronous)


def launch_flashinfer(arrays: tuple[Any, ...], counts: tuple[Any, Any, Any]) -> None:
    """The FlashInfer step on the device and current stream of ``input_tokens`` (arrays[0])."""
    on_current_stream(arrays[0], lambda stream: run_flashinfer(arrays, counts, stream=stream))
