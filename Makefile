# Two entry points for a fresh machine: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint dataset clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/qualframe serve

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

# Re-ingest the shipped source text into the shipped dataset (tests check it is up to date).
dataset: $(STAMP)
	$(VENV)/bin/qualframe ingest src/qualframe/data/ict-sqf-2013.kk.txt -o src/qualframe/data
	rm -f src/qualframe/data/*.report.json

clean:
	rm -rf $(VENV) build *.egg-info
