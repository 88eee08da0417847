# The two commands a newcomer needs are `make demo` and `make test`; both set themselves up.
SHELL := /bin/bash
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
DEMO_ARGS ?=
BENCH_ARGS ?=

.PHONY: venv test lint demo bench clean

venv: $(STAMP)

# Rebuilt whenever a requirements file changes; PYTHON=/path/to/python3.10 overrides the lookup.
$(STAMP): requirements/base.txt requirements/dev.txt
	@if [ ! -x $(VPY) ]; then \
		interpreter=$$(PYTHON="$(PYTHON)" scripts/find-python) || exit 1; \
		echo "creating $(VENV) with $$interpreter"; \
		"$$interpreter" -m venv $(VENV) || exit 1; \
	fi
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -r requirements/dev.txt
	@touch $(STAMP)

test: $(STAMP)
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

demo: $(STAMP)
	$(VPY) -m dev.demo $(DEMO_ARGS)

bench: $(STAMP)
	$(VPY) -m bench.engine $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo .bench .pytest_cache .ruff_cache
