"""``python -m g4f.cli``: the same as the ``g4f`` command."""

import sys

from . import main

sys.exit(main())
