# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SOURCEMARK_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test setup setup-test browser lint clean help

help:
	@echo "make run   - set up .venv, upgrade the database, load the demo, serve on http://127.0.0.1:5000"
	@echo "make test  - set up .venv with test tools and Chromium, run the whole test suite"
	@echo "make lint  - ruff"

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

setup: $(VENV)/.run-installed

setup-test: $(VENV)/.test-installed browser

browser:
	@sh .ci/install-chromium.sh

run: setup
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo load
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

test: setup-test
	$(BIN)/python -m pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
