"""`python -m tools ...` is `relu-bench ...`."""

import sys

from tools.cli import main

sys.exit(main())
