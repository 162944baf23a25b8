"""The folder a verb writes (--out): checked before any work, emptied only of the command's own
files and only when asked, never one of the verb's inputs, and removed again when the verb fails
before it is complete.

A folder of cases is complete once its ``manifest.json`` is written, which is always last: a folder
without one is unfinished (an interrupted or failed run), and the other verbs refuse it.

What ``--force`` removes is found by walking --out itself, never by following a manifest's entries
or a symbolic link: --out's own ``manifest.json`` when it is an advstep manifest, and in --out and
each real sub-folder holding an advstep case manifest, that manifest and the tensor files the
command writes (``inputs/``, ``expected/``, ``outputs/``: ``NAME.npy`` and ``NAME.bin`` of the
tensors of advance_step and of the prepare step), then the folders this leaves empty. Anything else stays.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from typing import Iterable, Optional

from .case import FILE_TENSORS
from .errors import UsageError
from .json_files import read_json
from .prepare_ops import FILE_NAMES
from .tensor_files import CASE_FORMAT, SET_FORMAT, WRITTEN_FOLDERS

#: Every tensor file name the command writes: advance_step's and the prepare step's.
WRITTEN_TENSORS = FILE_TENSORS + FILE_NAMES
#: An advstep manifest is small; a larger file named manifest.json is someone else's.
MAX_MANIFEST_BYTES = 64 << 20


def nearest_existing(path: str) -> str:
    """``path``, or its nearest existing parent folder."""
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def check_path(out: str) -> None:
    """Refuses, in one line naming --out, a path that cannot be a folder to write (cheap checks
    that need no file system change; ``open_folder`` probes by writing)."""
    if out == "":
        raise UsageError("--out: an empty path (name the folder to write)")
    if os.path.lexists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out}: exists and is not a folder")
    existing = nearest_existing(out)
    if not os.path.isdir(existing):
        raise UsageError(f"--out {out}: {existing} is not a folder")


def refuse_overlap(out: str, inputs: Iterable[str]) -> None:
    """Refuses an --out that is, holds or lies inside one of the folders the verb reads: a verb
    never writes into its own input."""
    target = os.path.realpath(out)
    for folder in inputs:
        real = os.path.realpath(folder)
        common = os.path.commonpath([real, target])
        if common in (real, target):
            relation = "is" if real == target else "holds" if common == target else "lies inside"
            raise UsageError(f"--out {out}: {relation} the input folder {folder}; a verb never writes into what "
                             f"it reads (pick another --out)")


def free_bytes(out: str) -> int:
    """The free space of the filesystem --out is (or will be) on."""
    return shutil.disk_usage(nearest_existing(out)).free


def open_folder(out: str, force: bool) -> Optional[str]:
    """Refuses a non-empty --out without ``force`` (before touching it), creates --out when missing
    and proves it can be written by creating (and removing) a file in it; returns the topmost folder
    created here (to remove on failure), or None."""
    if os.path.isdir(out):
        present = sorted(os.listdir(out))
        if present and not force:
            raise UsageError(f"--out {out}: not empty (holds {present[0]}{', ...' if len(present) > 1 else ''}); "
                             f"--force replaces the cases advstep wrote there")
    existing = nearest_existing(out)
    created = None
    if not os.path.isdir(out):
        made = []
        try:
            _make_folders(out, existing, made)
        except OSError as error:
            _remove_chain(made)
            raise UsageError(f"--out {out}: the folder cannot be created ({error.strerror or error})") from None
        created = made[0]
    try:
        handle, probe = tempfile.mkstemp(prefix=".advstep-write-probe-", dir=out)
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        if created:
            _remove_created(out, created)
        raise UsageError(f"--out {out}: the folder cannot be written ({error.strerror or error})") from None
    return created


def _make_folders(out: str, existing: str, made: list[str]) -> None:
    """Creates --out's missing folders below ``existing`` one level at a time, appending each to
    ``made``. (``os.makedirs`` recurses once per level: a path thousands of folders deep would
    exhaust Python's recursion limit instead of getting the file system's own answer.)"""
    path = existing
    for part in os.path.relpath(os.path.abspath(out), existing).split(os.sep):
        path = os.path.join(path, part)
        os.mkdir(path)
        made.append(path)


def _remove_chain(made: list[str]) -> None:
    """Removes the (empty) folders ``_make_folders`` made, deepest first."""
    for path in reversed(made):
        _remove_folder_if_empty(path)


def _remove_created(out: str, created: str) -> None:
    """Removes --out with what is in it, then the folders above it up to ``created``, the topmost
    one this command made (one level at a time, as they were made)."""
    shutil.rmtree(out, ignore_errors=True)
    path = os.path.abspath(out)
    top = os.path.abspath(created)
    while path != top and os.path.dirname(path) != path:
        path = os.path.dirname(path)
        _remove_folder_if_empty(path)


def _manifest_format(path: str) -> Optional[str]:
    """The format of the advstep manifest at ``path`` (a regular file, not a link), else None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
        return None
    try:
        data = read_json(path, "manifest")
    except UsageError:
        return None
    found = data.get("format") if isinstance(data, dict) else None
    return found if found in (CASE_FORMAT, SET_FORMAT) else None


def _is_real_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _remove_if_file(path: str) -> None:
    try:
        if stat.S_ISREG(os.lstat(path).st_mode):
            os.remove(path)
    except FileNotFoundError:
        pass


def _remove_folder_if_empty(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:  # not empty (another's files stay), or gone
        pass


def _remove_case_files(folder: str) -> None:
    """The command's files in the case folder ``folder`` (its manifest was checked to be advstep's)."""
    for sub in WRITTEN_FOLDERS:
        path = os.path.join(folder, sub)
        if not _is_real_folder(path):
            continue
        for name in WRITTEN_TENSORS:
            for extension in (".npy", ".bin"):
                _remove_if_file(os.path.join(path, name + extension))
        _remove_folder_if_empty(path)
    _remove_if_file(os.path.join(folder, "manifest.json"))


def remove_written(out: str) -> None:
    """Removes what the command wrote in --out, found by walking it (see the module's docstring)."""
    top = os.path.join(out, "manifest.json")
    top_format = _manifest_format(top)
    if top_format == SET_FORMAT:
        _remove_if_file(top)  # first: the folder is unfinished from here on
    elif top_format == CASE_FORMAT:
        _remove_case_files(out)
    with os.scandir(out) as entries:
        folders = [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
    for folder in sorted(folders):
        if _manifest_format(os.path.join(folder, "manifest.json")) == CASE_FORMAT:
            _remove_case_files(folder)
            _remove_folder_if_empty(folder)


def _in_the_way(path: str, removed: bool) -> str:
    """Why ``path``, where the command will write, is in the way ("" when it is not): it exists
    and will not be removed first (``removed``: a regular file of an advstep case folder will)."""
    if not os.path.lexists(path):
        return ""
    if os.path.islink(path):
        return "a symbolic link"
    return "" if removed and os.path.isfile(path) else "not advstep's file"


def _blockers(out: str, names: list[str]) -> list[str]:
    """What in --out the command would have to write through or over, and will not remove."""
    found = []
    top = os.path.join(out, "manifest.json")
    if os.path.lexists(top) and _manifest_format(top) is None:
        found.append(f"{top} (not an advstep manifest)")
    for name in names:
        folder = os.path.join(out, name)
        if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
            found.append(f"{folder} ({'a symbolic link' if os.path.islink(folder) else 'not a folder'})")
            continue
        ours = _manifest_format(os.path.join(folder, "manifest.json")) == CASE_FORMAT
        paths = [os.path.join(folder, "manifest.json")]
        for sub in WRITTEN_FOLDERS:
            sub_folder = os.path.join(folder, sub)
            if os.path.islink(sub_folder) or (os.path.lexists(sub_folder) and not os.path.isdir(sub_folder)):
                found.append(f"{sub_folder} ({'a symbolic link' if os.path.islink(sub_folder) else 'not a folder'})")
                continue
            paths += [os.path.join(sub_folder, tensor + ext) for tensor in WRITTEN_TENSORS for ext in (".npy", ".bin")]
        found += [f"{path} ({why})" for path in paths for why in [_in_the_way(path, ours)] if why]
    return found


def clear(out: str, names: list[str]) -> None:
    """Makes the folder --out (opened by ``open_folder``) ready for the cases ``names``: the
    command's own files are removed. Refused before anything is removed: a path the command would
    have to write through or over."""
    if not os.listdir(out):
        return
    blockers = _blockers(out, names)
    if blockers:
        more = f" (and {len(blockers) - 1} more)" if len(blockers) > 1 else ""
        raise UsageError(f"--out {out}: {blockers[0]} is in the way and is not advstep's to remove{more} "
                         f"(move it away)")
    remove_written(out)


def discard(out: str, created: Optional[str]) -> str:
    """After a failure: removes what ``open_folder`` created; says what became of --out."""
    if created:
        _remove_created(out, created)
        return f"{out} removed"
    return f"{out} left unfinished (no manifest.json)"
