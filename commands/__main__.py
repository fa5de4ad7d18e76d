"""`python -m commands …` is `xxgk …` (tests and the schedule's units use it where no script is installed)."""
import sys

from commands.main import main

sys.exit(main())
