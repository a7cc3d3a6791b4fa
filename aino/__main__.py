"""`python -m aino` runs the `aino` command."""

import sys

from aino.cli import main

sys.exit(main())
