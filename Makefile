# Two entry points for a fresh machine: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint dataset messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(BYTECODE)
	touch $(STAMP)

# Our own modules' bytecode, written once (Python reads it even under PYTHONDONTWRITEBYTECODE, which would
# otherwise recompile the package on every start: ~0.6 s of `qualframe serve`'s start-up); only changed files
# are recompiled.
BYTECODE = $(PY) -m compileall -q src/qualframe

run: $(STAMP)
	$(BYTECODE)
	$(VENV)/bin/qualframe serve

# The CI run: PostgreSQL tests start a throwaway server when PostgreSQL is installed (or use
# $QUALFRAME_TEST_PG_URL), browser tests run where /usr/bin/chromium exists; the last lines say what was skipped.
# pytest's exit status passes through: failures (1) and "no tests collected" (5) both fail the target.
test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(BYTECODE)
	$(PY) bench/run.py

# ruff, then the import contracts of pyproject.toml ([tool.importlinter], see docs/ARCHITECTURE.md).
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports --no-cache

# Re-ingest the shipped source text into the shipped dataset (tests check it is up to date).
dataset: $(STAMP)
	$(VENV)/bin/qualframe ingest src/qualframe/data/ict-sqf-2013.kk.txt -o src/qualframe/data
	rm -f src/qualframe/data/*.report.json

# Extract every translatable string (babel.cfg: Python and templates) and merge it into the kk, ru and en
# catalogs; then translate the new or fuzzy entries (docs/I18N.md). tests/test_i18n.py fails until they are.
LOCALE := src/qualframe/locale
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --project qualframe \
		--copyright-holder "qualframe contributors" --msgid-bugs-address "" -o $(LOCALE)/messages.pot .
	$(VENV)/bin/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages --ignore-obsolete

clean:
	rm -rf $(VENV) build *.egg-info
