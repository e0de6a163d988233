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

.PHONY: lab test setup install preflight data kernel release bench slides slides-check browser lock clean help

help:
	@echo "make lab      set up (first time) and open JupyterLab on lessons/"
	@echo "make test     set up (first time) and run every test"
	@echo "make release  regenerate lessons/ from solutions/ (after editing authoring/)"
	@echo "make bench    time every solution notebook and the ALS benchmark"
	@echo "make slides   build the static HTML decks into slides/build/ (open slides/build/index.html)"
	@echo "make browser  install Chromium, which the slide test uses (Debian/Ubuntu, as root)"

lab: setup
	$(BIN)/jupyter lab --notebook-dir=lessons

test: setup
	PAPER2PROD_TEST=1 $(BIN)/python -m pytest

setup: preflight install data kernel

preflight:
	@$(PYTHON) paper2prod/preflight.py

# What to install besides the runtime (what a notebook imports): the optional-dependency groups of
# pyproject.toml. `make lab` needs none of them; every other target installs all three.
EXTRAS ?= test,slides,dev
lab: EXTRAS =
# requirements.lock pins every group; installing through it as constraints takes only what is asked for.
PIN := $(if $(filter 1,$(LOCKED)),-c requirements.lock)

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	: > $@

install: $(VENV)/.installed
	@grep -qxF "extras=$(EXTRAS)" $(VENV)/.installed || { \
		$(BIN)/python -m pip install --quiet $(PIN) -e ".$(if $(EXTRAS),[$(EXTRAS)])" && \
		echo "extras=$(EXTRAS)" >> $(VENV)/.installed; }

data: install
	$(BIN)/python -m paper2prod.data fetch $(DATASETS)

kernel: install
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
		--display-name "Python 3 (paper2prod)" > /dev/null

release: install
	$(BIN)/python -m tools.notebooks build
	$(BIN)/python -m tools.notebooks release

bench: setup
	PAPER2PROD_TEST=1 $(BIN)/python -m tools.bench
	$(BIN)/python -m tools.bench_als

slides: install data kernel
	$(BIN)/python -m tools.slides build
	@echo "open slides/build/index.html (works offline); check the decks with: make slides-check"

slides-check: slides
	$(BIN)/python -m tools.slides check

# The headless browser the slide test uses (Debian/Ubuntu; run as root or with sudo).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

lock: install
	$(BIN)/pip-compile --quiet --all-extras --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) gradebook.db submitted autograded feedback
