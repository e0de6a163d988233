# The commands a person types. `make lab` and `make test` set everything up first.
# What to install besides the runtime (what a notebook imports): the optional-dependency groups of
# pyproject.toml. `make lab` needs none of them; every other target installs all three.
EXTRAS ?= test,slides,dev
lab: EXTRAS =
# Set-up, lab and validate: shared with a class's copy (tools/student_copy_files/Makefile).
include setup.mk

# Workers for `make test` (pytest-xdist). The suite is CPU-bound: one more worker than the 2 cores fills
# the waits (timeouts, subprocesses); more make the kernels and JVMs fight for the cores and cost CPU
# (`make bench` prints each tier's CPU seconds; the measurements are in the commit history). Each
# worker may hold a Spark JVM (~1.5 GB).
TEST_WORKERS ?= 3
# Every cell of a notebook on one worker, heaviest work queued first (conftest.py).
XDIST := -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

.PHONY: lab validate test test-lesson test-fast setup install preflight grading grade student-copy data kernel release bench slides slides-check check-room browser lock clean help

test: setup ## set up (first time) and run every test (what CI runs)
	@# Spark's classes, loaded and verified once for the suite's ~80 Spark starts (paper2prod/spark.py),
	@# archived alongside the first tests: a JVM that starts before the archive is there runs without it.
	PAPER2PROD_TEST=1 $(BIN)/python -m paper2prod.spark archive & \
	PAPER2PROD_TEST=1 $(BIN)/python -m pytest $(XDIST); status=$$?; wait; exit $$status

# One lesson, after rebuilding it from its source: its solution notebook (nbval, with its wrong answers run
# in nbval's kernel: tools/near_misses.py), its grading round trip, its release sync and deck, and the static
# checks of its wrong answers and notes (conftest.py --lesson).
LESSON_TESTS := tests/test_grading.py tests/test_release.py tests/test_notebooks.py tests/test_slides.py tests/test_authoring_checks.py
test-lesson: setup ## one lesson's notebook, round trip, release sync and deck: make test-lesson LESSON=03
	@test -n "$(LESSON)" || (echo "usage: make test-lesson LESSON=03" && false)
	@ls -d solutions/$(LESSON)-*/ > /dev/null 2>&1 || (echo "no lesson $(LESSON): the lessons are $$(ls solutions)" && false)
	$(BIN)/python -m tools.notebooks build $(patsubst authoring/%.py,%,$(wildcard authoring/$(LESSON)-*.py))
	$(BIN)/python -m tools.notebooks release $(patsubst authoring/%.py,%,$(wildcard authoring/$(LESSON)-*.py))
	$(BIN)/python -m tools.slides notebooks $(patsubst authoring/%.py,%,$(wildcard authoring/$(LESSON)-*.py))
	PAPER2PROD_TEST=1 $(BIN)/python -m paper2prod.spark archive
	PAPER2PROD_TEST=1 $(BIN)/python -m pytest $(XDIST) --lesson $(LESSON) $(wildcard solutions/$(LESSON)-*/) $(LESSON_TESTS)

# The fast tier: no notebooks, Spark, browser or cluster (markers: conftest.py).
test-fast: setup ## package, data, release sync, student copy, lint: about a minute
	PAPER2PROD_TEST=1 $(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder -m "not slow" tests

grade: setup ## grade your notebook: make grade LESSON=04 [NOTEBOOK=path]; feedback in feedback/
	@test -n "$(LESSON)" || (echo "usage: make grade LESSON=04 [NOTEBOOK=path/to/copy.ipynb]" && false)
	$(BIN)/python -m paper2prod.selfgrade $(LESSON) $(if $(NOTEBOOK),--notebook $(NOTEBOOK))

student-copy: install ## publish the repository a class clones, or update a published one in place: make student-copy DEST=folder [UPTO=NN]
	@test -n "$(DEST)" || (echo "usage: make student-copy DEST=folder [UPTO=NN]" && false)
	$(BIN)/python -m tools.student_copy $(DEST) $(if $(UPTO),--upto $(UPTO))

release: install ## regenerate solutions/ and lessons/ from authoring/
	$(BIN)/python -m tools.notebooks build
	$(BIN)/python -m tools.notebooks release

bench: setup ## time every solution notebook and the ALS benchmark
	PAPER2PROD_TEST=1 $(BIN)/python -m tools.bench
	$(BIN)/python -m paper2prod.benchmark

# The first build runs `npm ci` (Node.js and the npm registry needed once; see docs/workshop-guide.md).
# DEBRIEF=0 leaves out the slides that show an exercise's answer, into slides/build/room/.
DEBRIEF ?= 1
slides: install data kernel ## build the static HTML decks into slides/build/ (DEBRIEF=0: without answers, slides/build/room/)
	$(BIN)/python -m tools.slides build $(if $(filter 0,$(DEBRIEF)),--no-debrief)
	@echo "open slides/build/$(if $(filter 0,$(DEBRIEF)),room/)index.html (works offline); check the decks with: make slides-check"

# Before a workshop, on each machine: minutes, not a full `make test`.
check-room: EXTRAS =
check-room: setup ## pre-workshop check, a few minutes: Java, the data's checksums, lesson 00 run and validated
	$(BIN)/python -m paper2prod.data verify $(DATASETS)
	@$(BIN)/nbgrader validate solutions/00-setup/00-setup.ipynb 2>&1 | tee $(VENV)/check-room.log | tail -3; \
		grep -q "Success! Your notebook passes all the tests." $(VENV)/check-room.log \
		&& echo "check-room: this machine is ready (Java, Spark, data, grading)" \
		|| { echo "check-room: lesson 00 did not pass; the whole output is in $(VENV)/check-room.log"; false; }

slides-check: slides ## open every built deck in headless Chromium and report problems
	$(BIN)/python -m tools.slides check

# The headless browser the slide test uses (Debian/Ubuntu; run as root or with sudo).
browser: ## install Chromium, which the slide check uses (Debian/Ubuntu, as root)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# --allow-unsafe pins pip and setuptools too: an offline install (wheels downloaded from this lock, the
# workshop guide) needs setuptools to build the course package.
lock: install ## re-pin requirements.lock from pyproject.toml (every group)
	$(BIN)/pip-compile --quiet --all-extras --strip-extras --no-header --no-emit-index-url --no-emit-find-links --allow-unsafe -o requirements.lock pyproject.toml

clean: ## remove the environment and nbgrader working files
	rm -rf $(VENV) gradebook.db submitted autograded feedback
