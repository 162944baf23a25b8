"""The exceptions of advstep, each carrying the library's CANN status code.

The native library reports every failure as a status code and a message; ``from_status`` turns one
into the matching exception. Bad arguments are ``ValueError``\\ s, failures while the operator runs
are ``RuntimeError``\\ s, so code written against other advance_step implementations catches them.
"""

from __future__ import annotations

#: ACLNN_ERR_PARAM_NULLPTR: a required argument is missing, or only one of spec_token/accepted_num.
NULL_POINTER = 161001
#: ACLNN_ERR_PARAM_INVALID: dtype, layout (contiguity, overlap), memory or device error.
INVALID_ARGUMENT = 161002
#: ACLNN_ERR_RUNTIME_ERROR: the device or stream failed.
RUNTIME_ERROR = 361001
#: ACLNN_ERR_INNER_TILING_ERROR: an attribute (num_seqs, num_queries, block_size) or shape out of range.
OUT_OF_RANGE = 561002
#: ACL_ERROR_RT_AICORE_EXCEPTION: the arrays' values cannot be advanced (a data fault).
DATA_FAULT = 507015

_ARGUMENT_CODES = frozenset({NULL_POINTER, INVALID_ARGUMENT, OUT_OF_RANGE})


class Error(Exception):
    """Base class of advstep's errors.

    Attributes
    ----------
    code : int
        The CANN status code of the failure (161001, 161002, 561002, 507015, 361001).
    """

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class ArgumentError(Error, ValueError):
    """An argument broke a rule (dtype, shape, contiguity, device, counts); nothing was modified."""


class DataFaultError(Error, RuntimeError):
    """A value cannot be advanced (negative length, block index outside the table, ...); nothing was
    modified."""


class DeviceError(Error, RuntimeError):
    """The device or its stream failed while the operator ran."""


#: The operations whose messages start with their C++ name ("advstep::prepare_inputs: ..."); a Python
#: user calls each as advstep.<name>, so that is the name the exception's message starts with.
_OPERATIONS = ("advance_step", "prepare_inputs", "advance_drafts", "post_update")


def _python_name(message: str) -> str:
    for operation in _OPERATIONS:
        cpp_name = f"advstep::{operation}"
        if message.startswith(cpp_name):
            return f"advstep.{operation}" + message[len(cpp_name):]
    return message


def from_status(code: int, message: str) -> Error:
    """Return the exception for a failed status ``code`` with the library's ``message``."""
    message = _python_name(message)
    if code in _ARGUMENT_CODES:
        return ArgumentError(message, code)
    if code == DATA_FAULT:
        return DataFaultError(message, code)
    return DeviceError(message, code)
