import os
from pathlib import Path

# Quiet Spark (no UI, no progress bars) in everything the tests start, notebooks included.
os.environ.setdefault("PAPER2PROD_TEST", "1")
# A relative mirror path must not depend on where a notebook kernel runs.
if os.environ.get("PAPER2PROD_DATA_MIRROR"):
    os.environ["PAPER2PROD_DATA_MIRROR"] = str(Path(os.environ["PAPER2PROD_DATA_MIRROR"]).resolve())
