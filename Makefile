# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(shell cat pyproject.toml functions/requirements.txt | sha1sum | cut -c1-12)
# Two stamps: `make run` installs the runtime dependencies only; `make test` adds the test
# extra (pytest, moto, playwright, mypy...). Each is named after the hash of pyproject.toml
# and the lock (functions/requirements.txt), whose pins both installs follow.
RUN_STAMP  := $(VENV)/.installed-run-$(DEPS)
TEST_STAMP := $(VENV)/.installed-test-$(DEPS)
BENCH_STAMP := $(VENV)/.installed-bench-$(DEPS)
# Test-only JavaScript (axe-core for the browser tests); the site itself needs no npm.
NODE_DEPS := node_modules/.package-lock.json
# Parallel test workers; every test still runs (tests/conftest.py groups what must share one).
WORKERS ?= 2

.PHONY: run test quick lint format bench import publish clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CodeRef needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml functions/requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e . -c functions/requirements.txt
	@rm -f $(VENV)/.installed-run-*
	@touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]' -c functions/requirements.txt
	@rm -f $(VENV)/.installed-test-*
	@touch $@

# The bench extra (Datasette, a peer on the same index) on top: the lock file constrains
# only what it lists, so Datasette resolves freely beside those pins.
$(BENCH_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]' -c functions/requirements.txt
	@rm -f $(VENV)/.installed-bench-*
	@touch $@

run: $(RUN_STAMP)  ## set up, import bundled data on first run, serve http://127.0.0.1:8000
	$(BIN)/coderef serve

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund

test: $(TEST_STAMP) $(NODE_DEPS)  ## lint and type-check, then the whole test suite in parallel
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup

quick: $(TEST_STAMP)  ## the test suite without the slow tiers (browser, full release, moto server, kill, fuzz)
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup -m "not slow"

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

import: $(RUN_STAMP)  ## re-import the bundled releases
	$(BIN)/coderef import

# The public pages for S3: `make publish BUCKET=<SiteBucketName output> SITE_URL=https://...`
# (or OUT=dir to write a folder). Run after each data load; docs/deploy.md.
publish: $(RUN_STAMP)
	@test -n "$(BUCKET)$(OUT)" || { echo "make publish BUCKET=name (or OUT=dir) [SITE_URL=https://...]"; exit 2; }
	$(BIN)/coderef publish $(if $(BUCKET),--bucket $(BUCKET)) $(if $(OUT),--out $(OUT)) $(if $(SITE_URL),--site-url $(SITE_URL)) $(if $(CODES_TABLE),--codes-table $(CODES_TABLE))

bench: $(BENCH_STAMP)  ## run benchmarks and write BENCHMARKS.md (needs wrk; installed here if root)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; } \
		|| { echo "install wrk (apt-get install wrk) for the load benchmark"; exit 1; }
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules test-artifacts
