"""A sandbox for the command's path tests: a folder the command may change, beside bystanders it
may not (a golden-looking folder, a file, a folder a link points to), and a snapshot of everything
outside the sandbox to prove it unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import cli_fixtures
from advstep.cli import main as cli_main


def advstep(*argv: object) -> int:
    """The command in this process; argparse's refusals as their exit status."""
    try:
        return cli_main.main([str(a) for a in argv])
    except SystemExit as exit_:
        return int(exit_.code or 0)


def snapshot(root: Path, skip: Path) -> dict[str, Any]:
    """Every entry under ``root`` but ``skip``'s subtree: its kind and content (files by hash,
    links by target), read without following links."""
    found: dict[str, Any] = {}
    for folder, folders, files in os.walk(root, followlinks=False):
        if Path(folder) == skip or skip in Path(folder).parents:
            folders[:] = []
            continue
        for name in folders + files:
            path = Path(folder) / name
            if path == skip:
                continue
            key = str(path.relative_to(root))
            if path.is_symlink():
                found[key] = ("link", os.readlink(path))
            elif path.is_dir():
                found[key] = ("folder",)
            else:
                found[key] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), oct(path.stat().st_mode))
    return found


class Sandbox:
    """``root``: tmp/outer/; ``box``: tmp/outer/sandbox/, where the command works; bystanders in
    tmp/outer/ (including a golden it must never remove, and one a link inside the box points to)."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "outer"
        self.box = self.root / "sandbox"
        self.box.mkdir(parents=True)
        (self.root / "precious.txt").write_text("not the command's")
        case_file = cli_fixtures.atk_v1(self.box / "atk_aclnnAdvanceStep.json", cases=2)
        self.case_file = Path(case_file)
        assert advstep("golden", case_file, "--out", self.root / "victim") == 0
        self.golden = self.box / "gold"
        shutil.copytree(self.root / "victim", self.golden)
        (self.box / "link_out").symlink_to(self.root / "victim", target_is_directory=True)
        self.before = snapshot(self.root, self.box)

    def unchanged(self) -> bool:
        return snapshot(self.root, self.box) == self.before

    def fresh(self, name: str) -> Path:
        """A copy of the sandbox's golden, to edit."""
        path = self.box / name
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
        shutil.copytree(self.golden, path)
        return path


def set_json(path: Path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
