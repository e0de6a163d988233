"""`make bench`'s ALS sweep: Spark ALS against NumPy ALS-WR and the arithmetic floor.

The benchmark lives in the package, so a student copy has it too: `python -m paper2prod.benchmark`
(its --help lists the options). This module only forwards to it.
"""

import sys

from paper2prod.benchmark import main

if __name__ == "__main__":
    sys.exit(main())
