# Two commands for a newcomer: `make run` and `make test`. Both build .venv/ first.
SHELL := /bin/bash
PY := .venv/bin/python
# -P semantics: the repository root is never put on sys.path, so the datasets/ folder can't
# shadow Hugging Face's `datasets` package; our code is found through the editable install.
export PYTHONSAFEPATH := 1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv run serve test lint typecheck pytest bench train migrate clean help

help:
	@echo "make run    - venv, dependencies, migrations, demo data, server on $(HOST):$(PORT)"
	@echo "make test   - venv, dependencies, ruff, mypy, the whole pytest suite"
	@echo "make bench  - speed and quality figures (benchmarks/)"
	@echo "make train  - rebuild the datasets and retrain the committed model artifacts"

venv:
	@bash .ci/ensure-venv

run: venv
	.venv/bin/trustd serve --demo --host $(HOST) --port $(PORT)

migrate: venv
	.venv/bin/trustd db upgrade

lint: venv
	$(PY) -m ruff check .

typecheck: venv
	$(PY) -m mypy

pytest: venv
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# `make bench ONLY=badges` runs benchmarks/bench_badges.py alone.
bench: venv
	$(PY) -m benchmarks $(ONLY)

# `make train ONLY=captions` runs one group of training steps (captions, risk, descriptor,
# matching, banks, supplynet: the supplier-network evaluation).
train: venv
	$(PY) -m training $(ONLY)

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
