# Both entry points bootstrap themselves: a .venv with the project and its dev tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JSDOM := $(VENV)/node_modules/jsdom

.PHONY: demo test lint format bench screenshots clean

# The package holds C extensions (src/modelwatch/*.c): a compiler and Python's headers are needed.
$(STAMP): pyproject.toml $(wildcard src/modelwatch/*.c src/modelwatch/*.h)
	@command -v $${CC:-cc} >/dev/null || { echo "modelwatch needs a C compiler to build: install one (e.g. apt-get install gcc)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -f "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" || { echo "modelwatch needs Python's C headers to build: install them (e.g. apt-get install python3-dev)" >&2; exit 1; }
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

# loadgroup: the tests of one xdist_group share a worker (the dashboard's seeded server starts once). On
# pytest 9.2 xdist 3.8 ignores the groups (pytest-xdist#1386): each worker then seeds its own server.
test: lint $(JSDOM)
	NODE_PATH=$(abspath $(VENV))/node_modules $(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

bench: $(STAMP)
	$(BIN)/python benchmarks/baseline.py
	$(BIN)/python benchmarks/analyze.py
	$(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/capture.py

# The dashboard's pages in headless chromium (Debian's), saved as docs/screenshots/*.png.
screenshots: $(STAMP)
	MODELWATCH_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q -n 0 tests/e2e -k renders

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache demo-output
