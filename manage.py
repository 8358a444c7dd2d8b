#!/usr/bin/env python
"""Django's command-line utility for Parley. `parley <command>` does the same (see parley/cli.py)."""

import sys

from parley.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
