# The two commands a newcomer needs (README): `make book` and `make test`.
# Both create .venv if missing and (re)install the pinned environment when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.causalmix-installed
CONFIG ?= configs/default.yaml

# Use the offline TabArena mirror beside the checkout when there is one (the book and tests then
# cover it); without it everything still runs on the built-in datasets.
MIRROR := $(wildcard $(abspath ../shared/data/tabarena))
ifneq ($(MIRROR),)
export CAUSALMIX_DATA_DIR ?= $(MIRROR)
endif

.PHONY: book test results install clean

install: $(STAMP)

# torch is pinned to the CPU wheel on disk (pyproject.toml); pip never pulls a CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Run the main job on the embedded default config (offline, no data directory), then build the book.
book: $(STAMP)
	$(BIN)/causalmix run $(CONFIG)
	$(BIN)/causalmix book

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf book/_build book/executed
