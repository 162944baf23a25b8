"""``python -m advstep``: the advstep command (see advstep.cli.main)."""

import sys

from .cli.main import main

sys.exit(main())
