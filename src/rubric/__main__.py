"""`python -m rubric` is the `rubric` command."""

import sys

from .cli import main

sys.exit(main())
