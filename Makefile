# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# Test-only JavaScript (axe-core for the browser tests); the site itself needs no npm.
NODE_DEPS := node_modules/.package-lock.json

.PHONY: run test lint format bench import publish clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CodeRef needs Python 3.11 or newer"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)  ## set up, import bundled data on first run, serve http://127.0.0.1:8000
	$(BIN)/coderef serve

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund

test: $(STAMP) $(NODE_DEPS)  ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

import: $(STAMP)  ## re-import the bundled releases
	$(BIN)/coderef import

# The public pages for S3: `make publish BUCKET=<SiteBucketName output> SITE_URL=https://...`
# (or OUT=dir to write a folder). Run after each data load; docs/deploy.md.
publish: $(STAMP)
	@test -n "$(BUCKET)$(OUT)" || { echo "make publish BUCKET=name (or OUT=dir) [SITE_URL=https://...]"; exit 2; }
	$(BIN)/coderef publish $(if $(BUCKET),--bucket $(BUCKET)) $(if $(OUT),--out $(OUT)) $(if $(SITE_URL),--site-url $(SITE_URL)) $(if $(CODES_TABLE),--codes-table $(CODES_TABLE))

bench: $(STAMP)  ## run benchmarks and write BENCHMARKS.md (needs wrk; installed here if root)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; } \
		|| { echo "install wrk (apt-get install wrk) for the load benchmark"; exit 1; }
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules test-artifacts
