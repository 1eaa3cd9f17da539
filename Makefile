# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SOURCEMARK_INSTANCE_PATH ?= $(CURDIR)/instance
# NumPy's BLAS starts a thread per core in every process; with a process per core already
# (gunicorn workers, test workers) those threads only spin against each other, which made
# the agreement statistics' small matrix products many times slower on a busy machine.
export OPENBLAS_NUM_THREADS ?= 1

# The PostgreSQL the tests run on a second time (started by .ci/postgres.sh when not running).
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:54329/postgres
# make serve: gunicorn, one worker per core with THREADS threads each, on the configured
# database (DATABASE_URL). A save spends most of its time waiting for the disk to sync its
# commit, which lets go of Python's GIL: another thread of the worker reads and checks the
# next request meanwhile. Measured with 8 clients saving spans on 2 cores (busy machine):
# p95 72 ms and 324 req/s against 139 ms and 96 req/s for one synchronous worker per core,
# which sat idle through every sync. Threads keep connections alive; a kept-alive client
# stays with its worker but not with a thread (any free thread of the worker answers).
# Idle connections wait in the worker's poller, not in a thread, for a minute (a class's
# tablets pause between saves; gunicorn's 2 s closed them under the next save).
# Behind nginx (the README) clients keep their connections to the proxy.
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
THREADS ?= 4
BIND ?= 127.0.0.1:8000

.PHONY: run serve test test-sqlite test-postgres postgres setup setup-test browser lint audit clean help

help:
	@echo "make run   - set up .venv, upgrade the database, load the demo, serve on http://127.0.0.1:5000"
	@echo "make serve - production: gunicorn, $(WORKERS) workers x $(THREADS) threads on $(BIND) (needs SECRET_KEY)"
	@echo "make test  - set up .venv, test tools, Chromium and PostgreSQL; the whole suite on"
	@echo "             SQLite, then again on PostgreSQL (browser tests: those that save)"
	@echo "make lint  - ruff"
	@echo "make audit - pip-audit: known vulnerabilities of the installed packages (needs"
	@echo "             PyPI's JSON API or osv.dev)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Mathet's gamma runs compiled code (Numba): compiled once here and cached beside its source,
# so that no page (and no test process) waits for the compiler.
$(VENV)/.gamma-compiled: app/agreement/_kernels.py app/agreement/_candidates.py | $(VENV)/.run-installed
	$(BIN)/python -c "from app.agreement import gamma; gamma([('a', 0, 5, 'x'), ('b', 1, 6, 'x'), ('c', 2, 7, 'y')], seed=0)"
	touch $@

setup: $(VENV)/.run-installed $(VENV)/.gamma-compiled

setup-test: $(VENV)/.test-installed browser $(VENV)/.gamma-compiled

browser:
	@sh .ci/install-chromium.sh

run: setup
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo load
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

serve: setup
	@test -n "$$SECRET_KEY" || { echo "make serve runs in production and needs SECRET_KEY (the same on every app server), e.g.:"; echo "  export SECRET_KEY=\$$(python3 -c 'import secrets; print(secrets.token_hex(32))')"; exit 1; }
	SOURCEMARK_ENV=production $(BIN)/flask --app app db upgrade
	SOURCEMARK_ENV=production $(BIN)/gunicorn --workers $(WORKERS) --worker-class gthread --threads $(THREADS) \
		--keep-alive 60 --timeout 120 --bind $(BIND) --no-control-socket --access-logfile - 'app:create_app()'

test: test-sqlite test-postgres

# Tests run in as many processes as there are cores (pytest-xdist): each test has its own
# database, so they do not meet. The browser tests run on their own afterwards, one at a
# time, so that their timing never competes with a second process.
JOBS ?= auto

test-sqlite: setup-test
	$(BIN)/python -m pytest -m "not browser" -n $(JOBS)
	$(BIN)/python -m pytest -m browser

# The same again on PostgreSQL. Of the browser tests, those whose server side differs by
# database (saving, conflicts, submitting, imports: marked every_database) run again; the rest
# drive the same pages and scripts, which the database does not change. The agreement maths
# (tests/agreement/) touches no database at all: it runs once, in the SQLite pass.
test-postgres: setup-test postgres
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -m "not browser" -n $(JOBS) \
		--ignore=tests/agreement
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -m "browser and every_database"

postgres:
	@sh .ci/postgres.sh

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .

# Needs a vulnerability database online (PyPI's JSON API, or osv.dev with SERVICE=osv).
SERVICE ?= pypi
audit: $(VENV)/.run-installed
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --progress-spinner off --strict --skip-editable --vulnerability-service $(SERVICE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
