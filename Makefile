# The two commands a newcomer needs are `make demo` and `make test`; both set themselves up.
SHELL := /bin/bash
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
DEMO_ARGS ?=
BENCH_ARGS ?=
# Extra `uv pip compile` options for `make lock`, e.g. LOCK_ARGS=--upgrade (every package) or
# LOCK_ARGS="--upgrade-package urllib3" (one package not pinned in base.txt or dev.txt).
LOCK_ARGS ?=
LOCKS := requirements/base.lock requirements/dev.lock
# One lock for every platform and Python >= 3.10, with one version of a package where one fits.
COMPILE := $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.10 \
	--fork-strategy fewest --custom-compile-command "make lock" $(LOCK_ARGS)

.PHONY: venv lock test lint demo bench clean

venv: $(STAMP)

# Rebuilt whenever a lock file changes; PYTHON=/path/to/python3.10 overrides the lookup.
# Hash-checking mode: every package, transitive ones included, is the exact file that was locked.
$(STAMP): $(LOCKS)
	@if [ ! -x $(VPY) ]; then \
		interpreter=$$(PYTHON="$(PYTHON)" scripts/find-python) || exit 1; \
		echo "creating $(VENV) with $$interpreter"; \
		"$$interpreter" -m venv $(VENV) || exit 1; \
	fi
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	@touch $(STAMP)

# The locks pin everything base.txt and dev.txt need, from the top-level pins in those two files
# (the locks' own pins are kept where they still fit). dev.lock is held to base.lock's versions.
lock: $(STAMP)
	$(COMPILE) requirements/base.txt -o requirements/base.lock
	$(COMPILE) requirements/dev.txt --constraint requirements/base.lock -o requirements/dev.lock

test: $(STAMP)
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint Dockerfile

demo: $(STAMP)
	$(VPY) -m dev.demo $(DEMO_ARGS)

bench: $(STAMP)
	$(VPY) -m bench.engine $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo .bench .pytest_cache .ruff_cache .mypy_cache
