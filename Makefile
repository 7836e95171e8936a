# The two commands of the README: `make run` and `make test`. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two installs: running needs the runtime dependencies only (`pip install -e .`); the tests,
# benchmarks and linters add the test extra on top. Each is redone when pyproject.toml changes.
# --no-compile: Python compiles a module when it is first imported; compiling every module of
# every package at install time (scipy's and statsmodels' thousands) doubled the install.
RUN_STAMP := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp

.PHONY: run test bench lint clean

$(RUN_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "modelsteward needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e .
	touch $@

$(TEST_STAMP): $(RUN_STAMP) pyproject.toml
	$(PY) -m pip install --quiet --no-compile -e '.[test]'
	touch $@

## run: build the demonstration registry (in .demo/) and serve it on http://127.0.0.1:8765
run: $(RUN_STAMP)
	$(PY) -m modelsteward.demo --home .demo --serve

## test: the whole suite, PostgreSQL (STEWARD_TEST_DATABASE_URL) and the web pages' browser tests
## (Debian's Chromium, installed here when missing and allowed) included, on two processes
## (an idle one takes tests from the other's queue: a few files run minutes, and a file split
## over both builds its module-wide fixtures on each)
## Python keeps compiled modules here even where the environment says not to
## (PYTHONDONTWRITEBYTECODE): the suite starts hundreds of processes, and each would compile
## every module of the package again.
test: $(TEST_STAMP)
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-chromium.sh
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 2 --dist worksteal

## bench: benchmarks with baselines measured in the same run (never gate CI)
bench: $(TEST_STAMP)
	$(PY) bench/bench_resolve.py
	$(PY) bench/bench_route.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_rollback.py
	$(PY) bench/bench_compliance.py
	$(PY) bench/bench_hashing.py
	$(PY) bench/bench_audit.py
	$(PY) bench/bench_server.py
	$(PY) bench/bench_analysis.py
	$(PY) bench/bench_replicas.py
	$(PY) bench/bench_pages.py
	$(PY) bench/bench_verify.py
	$(PY) bench/bench_memory.py
	$(PY) bench/bench_drain.py
	$(PY) bench/bench_scale.py

## lint: type checks (mypy strict) and ruff
lint: $(TEST_STAMP)
	$(PY) -m mypy
	$(PY) -m ruff check src tests bench

clean:
	rm -rf .demo .pytest_cache .hypothesis
