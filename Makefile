# Two commands for a newcomer (see README):
#   make run   - set up, then run the bot on SQLite plus the Agents Playground to chat with it
#   make test  - set up, then run every lint, type check and test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

run: setup
	$(BIN)/python -m devtools.run $(if $(WHO),--as $(WHO))

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy .

# pytest exits 5 when a selection holds no test; that is not a failure of the suite.
pytest: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider; status=$$?; [ $$status -eq 0 ] || [ $$status -eq 5 ] || exit $$status

test: lint typecheck pytest

clean:
	rm -rf $(VENV) node_modules var test-artifacts
