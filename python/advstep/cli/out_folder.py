"""The folder a verb writes (--out): checked before any work, replaced only when asked, and
removed again when the verb fails before it is complete.

A folder of cases is complete once its ``manifest.json`` is written, which is always last: a folder
without one is unfinished (an interrupted or failed run), and the other verbs refuse it.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Optional

from .errors import UsageError


def nearest_existing(path: str) -> str:
    """``path``, or its nearest existing parent folder."""
    current = os.path.abspath(path)
    while not os.path.exists(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def check_writable(out: str) -> None:
    """Refuses, in one line naming --out, a path the verb could not create or write into."""
    if out == "":
        raise UsageError("--out: an empty path (name the folder to write)")
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out}: exists and is not a folder")
    existing = nearest_existing(out)
    if not os.path.isdir(existing):
        raise UsageError(f"--out {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {existing} is not writable")


def free_bytes(out: str) -> int:
    """The free space of the filesystem --out is (or will be) on."""
    return shutil.disk_usage(nearest_existing(out)).free


def _listed_cases(out: str) -> Optional[list[str]]:
    """The case names the folder's set manifest lists (None when it has no advstep set manifest)."""
    try:
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        return None
    return [str(name) for name in data["cases"]]


def prepare(out: str, names: list[str], force: bool) -> bool:
    """Makes --out ready for the cases ``names``; returns whether it was created here.

    An existing non-empty folder is refused unless ``force``: then its manifest goes first (the
    folder is unfinished from here on), then the folders of the cases written anew and those the
    old manifest listed. Other files are left alone."""
    if not os.path.isdir(out):
        os.makedirs(out)
        return True
    present = sorted(os.listdir(out))
    if not present:
        return False
    if not force:
        raise UsageError(f"--out {out}: not empty (holds {present[0]}{', ...' if len(present) > 1 else ''}); "
                         f"--force replaces its cases")
    stale = _listed_cases(out) or []
    manifest = os.path.join(out, "manifest.json")
    if os.path.isfile(manifest):
        os.remove(manifest)
    for name in dict.fromkeys(names + stale):
        folder = os.path.join(out, name)
        if os.path.basename(os.path.normpath(name)) == name and os.path.isdir(folder):
            shutil.rmtree(folder)
    return False


def discard(out: str, created: bool) -> str:
    """After a failure: removes --out when this run created it; says what became of it."""
    if created:
        shutil.rmtree(out, ignore_errors=True)
        return f"{out} removed"
    return f"{out} left unfinished (no manifest.json)"
