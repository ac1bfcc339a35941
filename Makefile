# Two commands set everything up: `make run` serves the platform, `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the modules setup.py compiles with mypyc: installing again rebuilds them when they change
COMPILED := $(shell sed -n 's/^    "\(.*\.py\)",$$/\1/p' setup.py)
PORT ?= 8000
LIANGSHAN_TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
export LIANGSHAN_TEST_POSTGRES_URL

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml setup.py $(COMPILED)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/liangshan db upgrade
	$(BIN)/liangshan demo seed --if-empty
	$(BIN)/liangshan serve --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest-xdist: one worker per core (each with its own databases); TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= 2

test: lint
	LIANGSHAN_TEST_DATABASE=sqlite $(BIN)/pytest -n $(TEST_WORKERS)
	LIANGSHAN_TEST_DATABASE=postgres $(BIN)/pytest -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.so */*.so
