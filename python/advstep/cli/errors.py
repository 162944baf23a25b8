"""The command's own failure: a bad file or argument, reported in one line (exit status 2)."""

from __future__ import annotations


class UsageError(Exception):
    """A file or argument the command cannot use; the message names it, in one line."""


class Interrupted(Exception):
    """The user interrupted the verb (Ctrl-C); the message says what became of its output."""
