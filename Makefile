# The commands a person types. `make lab` and `make test` set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(abspath $(VENV))/bin
# nbgrader shells out to `jupyter` and `alembic`: the environment's bin/ must come first.
export PATH := $(BIN):$(PATH)
# A relative mirror path would break inside notebooks, which run from their own folder.
ifdef PAPER2PROD_DATA_MIRROR
export PAPER2PROD_DATA_MIRROR := $(abspath $(PAPER2PROD_DATA_MIRROR))
endif
DATASETS := ml-latest-small ml-100k
# LOCKED=0 installs from the ranges in pyproject.toml instead of the Linux lock file.
LOCKED ?= 1

# Workers for `make test` (pytest-xdist). The suite mostly waits (kernel and JVM start-ups, Spark's
# scheduling, subprocesses), so more workers than the 2 cores pays; each may hold a Spark JVM (~1.5 GB).
TEST_WORKERS ?= 4
# Every cell of a notebook on one worker, heaviest work queued first (conftest.py).
XDIST := -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

.PHONY: lab test test-fast setup preflight data kernel release bench slides slides-check browser lock clean help

help:
	@echo "make lab      set up (first time) and open JupyterLab on lessons/"
	@echo "make test     set up (first time) and run every test (CI runs this)"
	@echo "make test-fast  package, data, release sync, student copy, lint: about a minute"
	@echo "make release  regenerate lessons/ from solutions/ (after editing authoring/)"
	@echo "make bench    time the test tiers and every solution notebook against their budgets, and ALS"
	@echo "make slides   build the static HTML decks into slides/build/ (open slides/build/index.html)"
	@echo "make browser  install Chromium, which the slide test uses (Debian/Ubuntu, as root)"

lab: setup
	$(BIN)/jupyter lab --notebook-dir=lessons

test: setup
	PAPER2PROD_TEST=1 $(BIN)/python -m pytest $(XDIST)

# The fast tier: no notebooks, Spark, browser or cluster (markers: conftest.py).
test-fast: setup
	PAPER2PROD_TEST=1 $(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder -m "not slow" tests

setup: preflight $(VENV)/.installed data kernel

preflight:
	@$(PYTHON) paper2prod/preflight.py

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
ifeq ($(LOCKED),1)
	$(BIN)/python -m pip install --quiet -r requirements.lock
endif
	$(BIN)/python -m pip install --quiet -e .
	touch $@

data: $(VENV)/.installed
	$(BIN)/python -m paper2prod.data fetch $(DATASETS)

kernel: $(VENV)/.installed
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
		--display-name "Python 3 (paper2prod)" > /dev/null

release: $(VENV)/.installed
	$(BIN)/python -m tools.notebooks build
	$(BIN)/python -m tools.notebooks release

bench: setup
	PAPER2PROD_TEST=1 $(BIN)/python -m tools.bench
	$(BIN)/python -m tools.bench_als

slides: $(VENV)/.installed data kernel
	$(BIN)/python -m tools.slides build
	@echo "open slides/build/index.html (works offline); check the decks with: make slides-check"

slides-check: slides
	$(BIN)/python -m tools.slides check

# The headless browser the slide test uses (Debian/Ubuntu; run as root or with sudo).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) gradebook.db submitted autograded feedback
