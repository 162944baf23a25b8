"""The ``advstep`` console script and ``python -m advstep``: the command, when its packages are here.

``import advstep`` needs no third-party package; the command (advstep.cli) needs numpy, jsonschema
and tqdm, which come with the extra ``cli``. Without them it says so in one line and exits with 2,
the command's status for a usage error, instead of failing on an import deep inside a verb.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Optional

#: The packages of the ``cli`` extra (pyproject.toml), by import name.
CLI_PACKAGES = ("numpy", "jsonschema", "tqdm")
INSTALL_COMMAND = "pip install 'advstep[cli]'"
EXIT_USAGE = 2


def missing_packages() -> list[str]:
    """The packages of the ``cli`` extra that cannot be imported here, in CLI_PACKAGES order."""
    return [name for name in CLI_PACKAGES if importlib.util.find_spec(name) is None]


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:  # the version needs none of the command's packages
        from . import __version__

        print(f"advstep {__version__}")
        return 0
    missing = missing_packages()
    if missing:
        print(f"advstep: the command needs {', '.join(missing)} (the extra 'cli'): {INSTALL_COMMAND}",
              file=sys.stderr)
        return EXIT_USAGE
    from .cli.main import main as command

    return command(argv)
