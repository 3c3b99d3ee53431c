# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
PIP = $(PYTHON) -m pip

.PHONY: install install-test demo test test-fast

install:
	$(PIP) install -q -e .

install-test:
	$(PIP) install -q -e '.[test]'

demo: install
	$(PYTHON) -m scriptalign demo

# Every tier, the slow integration tests (toy pipeline, notebook, batch) included.
test: install-test
	$(PYTHON) -m pytest -q

# The quick tier: everything not marked slow.
test-fast: install-test
	$(PYTHON) -m pytest -q -m "not slow"
