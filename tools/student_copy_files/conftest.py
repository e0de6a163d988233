"""Set-up for the package's tests in your copy (`make test`): Spark quiet (no UI, no progress bars),
one BLAS thread per process, and a data mirror given as a relative path read from where you ran make."""

import os
from pathlib import Path

os.environ.setdefault("PAPER2PROD_TEST", "1")
if os.environ.get("PAPER2PROD_DATA_MIRROR"):
    os.environ["PAPER2PROD_DATA_MIRROR"] = str(Path(os.environ["PAPER2PROD_DATA_MIRROR"]).resolve())
# Multi-threaded BLAS spins waiting for cores that Spark and other kernels hold: one thread is faster.
for _blas in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_blas, "1")
