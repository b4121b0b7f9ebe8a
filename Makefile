# Minka: `make demo` sets everything up and serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-postgres lint format typecheck migrations-check check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/minka demo

test: $(STAMP)
	$(BIN)/pytest -q 

test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

migrations-check: $(STAMP)
	$(BIN)/minka makemigrations --check --dry-run

messages: $(STAMP)
	cd src/minka && ../../$(BIN)/minka makemessages -l es --no-obsolete && ../../$(BIN)/minka compilemessages

check: lint typecheck migrations-check test

bench: $(STAMP)
	$(BIN)/python bench/seed_load.py --scale marenass

clean:
	rm -rf $(VENV) var
