"""``python -m advstep``: the advstep command (see advstep.cli.main)."""

import sys

from ._command import main

sys.exit(main())
