"""``python -m ganforge`` (also what ``torchrun -m ganforge`` runs on every process)."""

import sys

from ganforge.cli import main

sys.exit(main())
