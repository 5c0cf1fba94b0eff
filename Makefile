# Both entry points bootstrap themselves: a .venv with the project and its dev tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JSDOM := $(VENV)/node_modules/jsdom

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/modelwatch demo --serve --port 8700

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks examples
	$(BIN)/ruff check --fix src tests benchmarks examples

# jsdom lets the report's script be tested in node; skipped (the test says so) where npm is missing.
$(JSDOM): $(STAMP)
	command -v npm >/dev/null && npm install --silent --no-save --prefix $(VENV) jsdom@26.1.0 \
		|| echo "jsdom not installed: the report script's behaviour test will be skipped"

test: lint $(JSDOM)
	NODE_PATH=$(abspath $(VENV))/node_modules $(BIN)/python -m pytest -n 2 --durations=15

bench: $(STAMP)
	$(BIN)/python benchmarks/baseline.py
	$(BIN)/python benchmarks/analyze.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache demo-output
