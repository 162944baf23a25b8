"""Names read from files that become folder names: one plain path component, or a refusal.

A case's name comes from a case file (``name``), a CANN ST file (its ``id``) or a golden's manifests
(a set's ``cases``, a case's ``case``), and the command joins it to a folder it reads or writes. A
name that is empty, only blanks, ``.`` or ``..``, holds a separator or a NUL, is absolute, or is
longer than a filesystem allows would make it read or write outside that folder (or fail midway), so
it is refused where it is read, in one line naming the file and the field. case.schema.json's name
pattern says the same for advstep's own case files.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import UsageError

#: The longest file name common filesystems (ext4, XFS, tmpfs, APFS) take, in bytes.
MAX_NAME_BYTES = 255


def _problem(name: str) -> str:
    """Why ``name`` is not one plain path component ("" when it is one)."""
    if name == "":
        return "is empty"
    if not name.strip():
        return "is only blanks"
    if name in (".", ".."):
        return f"is {name!r}, which names a folder itself, not a case's own"
    if "\0" in name:
        return "holds a NUL character"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "holds a control character"
    separators = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    if any(s in name for s in separators):
        return "holds a path separator"
    if os.path.isabs(name):
        return "is an absolute path"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid Unicode"
    if size > MAX_NAME_BYTES:
        return f"is {size} bytes long (at most {MAX_NAME_BYTES})"
    return ""


def plain_name(value: Any, where: str) -> str:
    """``value`` when it is a string fit to be one folder name; else a UsageError naming ``where``
    (the file and the field) and the rule."""
    if not isinstance(value, str):
        raise UsageError(f"{where}: a case name must be a string (got {type(value).__name__})")
    problem = _problem(value)
    if problem:
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise UsageError(f"{where}: case name {shown!r} {problem}; a case name must be one plain folder name")
    return value
