"""``python -m clmdesk`` and the ``clmdesk``/``clmdesk-gui`` entry points."""

from __future__ import annotations

import sys

from clmdesk.cli import main as _cli_main

__all__ = ["main"]


def main() -> None:
    """Run clmdesk with the process's arguments and exit with its status."""
    sys.exit(_cli_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
