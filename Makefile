# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
PIP = $(PYTHON) -m pip

.PHONY: install install-test demo test bench lint

install:
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q -e '.[test]'

demo: install
	scriptalign demo

test: install-test
	$(PYTHON) -m pytest -q

bench: install-test
	$(PYTHON) benchmarks/run_all.py

lint:
	$(PYTHON) -m ruff check scriptalign features solvers tests benchmarks
