"""`python -m tools.loadtest`: the load/fault driver (see tools/loadtest/__init__.py)."""

from __future__ import annotations

import sys

from tools.loadtest.cli import main

if __name__ == "__main__":
    sys.exit(main())
