# Tabour: the two commands of the README are `make run` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
PYTHON      ?= python3
HOST        ?= 127.0.0.1
PORT        ?= 8000
CONFIG      ?= config.yaml
# Debian packages: espeak-ng speaks the calls, libraqm shapes Arabic for the printer, libjs-chart.js
# draws the reports' charts; chromium drives the browser tests; nginx fronts several processes (make cluster).
APT_RUN     := espeak-ng libraqm0 libjs-chart.js
APT_TEST    := $(APT_RUN) chromium nginx
TRANSLATION_DIRS := $(wildcard queue_app/translations/*)
PO_FILES    := $(wildcard queue_app/translations/*/*/LC_MESSAGES/messages.po)
MO_FILES    := $(PO_FILES:.po=.mo)

.PHONY: cluster test-busy help run test lint format typecheck pytest bench screenshots translations clean apt-run apt-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

apt-run: ## Install the Debian packages the server needs (root)
	@missing=$$(for p in $(APT_RUN); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

apt-test: ## Install the Debian packages the tests need too (root)
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# axe-core for the accessibility scan (tests/test_accessibility.py), pinned by package-lock.json
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

%.mo: %.po $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -i $< -o $@

translations: $(MO_FILES) ## Compile the translation catalogues

run: apt-run $(VENV)/.installed translations ## Serve the hall on http://$(HOST):$(PORT) (SQLite, one process)
	$(PY) run.py --config $(CONFIG) --host $(HOST) --port $(PORT)

# pytest-xdist workers: a test file stays on one worker (its module-scoped servers are shared)
WORKERS ?= 2
PROCESSES ?= 2
cluster: apt-run $(VENV)/.installed translations ## PROCESSES server processes behind nginx on $(PORT) (PostgreSQL + Redis)
	@command -v nginx >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)
	$(PY) deploy/cluster.py --processes $(PROCESSES) --config $(CONFIG) --port $(PORT)

lint: $(VENV)/.installed ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed ## Reformat the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(VENV)/.installed ## mypy on the typed core (domain, services, printers)
	$(VENV)/bin/mypy

pytest: apt-test $(VENV)/.installed node_modules/.installed translations ## Run the test suite (PostgreSQL/Redis when they answer)
	@if [ -z "$${TABOUR_TEST_POSTGRES_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
	  export TABOUR_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres; fi; \
	if [ -z "$${TABOUR_TEST_REDIS_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  export TABOUR_TEST_REDIS_URL=redis://127.0.0.1:6379/15; fi; \
	$(PY) -m pytest -n $(WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint typecheck pytest ## Lint, type-check and run every test

RUNS ?= 3
test-busy: ## The suite RUNS (3) times from a clean clone of HEAD, both cores kept busy (docs/testing.md)
	@set -e; dir=$$(mktemp -d); git clone -q . $$dir/tabour; burners=""; \
	for core in 1 2; do $(PYTHON) -c 'while True: pass' & burners="$$burners $$!"; done; \
	trap 'kill $$burners' EXIT; \
	for run in $$(seq $(RUNS)); do \
	  echo "== run $$run of $(RUNS), $$(date +%T)"; (cd $$dir/tabour && CI=true $(MAKE) --no-print-directory test); \
	done; echo "== $(RUNS) runs passed, $$(date +%T)"; rm -rf $$dir

screenshots: ## Refresh the README's screenshots (docs/screenshots) from the browser tests
	TABOUR_UPDATE_SCREENSHOTS=1 $(MAKE) pytest PYTEST_ARGS="-m browser"

bench: $(VENV)/.installed translations ## Run the benchmarks in bench/ (see docs/benchmarks.md)
	$(PY) bench/run_all.py

clean: ## Remove the virtual environment and caches (keeps instance/)
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache test-artifacts
