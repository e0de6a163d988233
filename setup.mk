# The set-up a course repository and a class's copy share: both Makefiles include this file, so the
# two cannot drift apart. Each sets EXTRAS (what to install besides what a notebook imports) first.

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
# `make help` (and plain `make`) lists every target that has a `## what it does` comment on its line,
# this file's first: lab and validate are what a person types most.
help: ## list the commands
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z_-]+:.*## / {printf "make %-13s %s\n", $$1, $$2}' \
		$(filter %setup.mk,$(MAKEFILE_LIST)) $(filter-out %setup.mk,$(MAKEFILE_LIST))

# Jupyter refuses to run as root unless told; containers (Docker, some hubs) often run as root.
AS_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: setup ## set up (first time) and open JupyterLab on lessons/
	$(BIN)/jupyter lab --notebook-dir=lessons $(AS_ROOT)

# Which notebook `make validate LESSON=NN` runs; a missing or unknown LESSON stops make before any set-up.
NOTEBOOK = $(firstword $(wildcard lessons/$(LESSON)-*/$(LESSON)-*.ipynb))
ifneq ($(filter validate,$(MAKECMDGOALS)),)
ifeq ($(strip $(LESSON)),)
$(error usage: make validate LESSON=00, with the number of a folder in lessons/)
endif
ifeq ($(NOTEBOOK),)
$(error make validate: no lesson $(LESSON) in lessons/; there are: $(sort $(foreach d,$(wildcard lessons/[0-9][0-9]-*),$(word 2,$(subst /, ,$(d))))))
endif
endif

validate: setup ## run a lesson from the top and list the checks that fail: make validate LESSON=00
	$(BIN)/nbgrader validate $(NOTEBOOK)

setup: preflight install data kernel grading ## check Java, install the environment, fetch the data, register the kernel

preflight: ## check Python and Java before installing anything
	@$(PYTHON) paper2prod/preflight.py

# requirements.lock pins every group; installing through it as constraints takes only what is asked for.
PIN := $(if $(filter 1,$(LOCKED)),-c requirements.lock)

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	: > $@

# The package with the groups the target needs (EXTRAS), pinned by the lock. Like kernel and grading, a
# step of setup, so not in `make help` (a student's list stays short).
install: $(VENV)/.installed
	@grep -qxF "extras=$(EXTRAS)" $(VENV)/.installed || { \
		$(BIN)/python -m pip install --quiet $(PIN) -e ".$(if $(EXTRAS),[$(EXTRAS)])" && \
		echo "extras=$(EXTRAS)" >> $(VENV)/.installed; }

data: install ## fetch the course data (from PAPER2PROD_DATA_MIRROR when set)
	$(BIN)/python -m paper2prod.data fetch $(DATASETS)

# The "Python 3 (paper2prod)" Jupyter kernel.
kernel: install
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
		--display-name "Python 3 (paper2prod)" > /dev/null

# The course's grading settings (cell timeouts) for Validate and every nbgrader command in this
# environment, and the instructor's JupyterLab panels hidden.
grading: $(VENV)/etc/jupyter/nbgrader_config.py

# Order-only on install: rewritten when autograde.py changes, not on every command.
$(VENV)/etc/jupyter/nbgrader_config.py: paper2prod/autograde.py | install
	$(BIN)/python -m paper2prod.autograde install

