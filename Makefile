# papershelf: `make site` builds _site/ from seeds/, `make test` runs the whole suite.
# Both install what they need first (.venv/, node_modules/, Chromium) and skip what is already there.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SITE_STAMP := $(VENV)/.installed-site
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
NODE_STAMP := node_modules/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?= -n 2
# `make site BASE_URL=https://user.github.io/REPO/` builds for that address (the Pages workflow does).
BASE_URL ?=
BUILD_ARGS := $(if $(BASE_URL),--base-url $(BASE_URL))

# Corpus sizes for `make bench` (545 = the real seeds); e.g. `make bench BENCH_SIZES=545,10000`.
BENCH_SIZES ?= 545,10000,50000
BENCH_ARGS ?=

.PHONY: site serve check test lint format chromium java clean-env screenshots bench bench-search

site: $(SITE_STAMP)
	$(BIN)/papershelf build $(BUILD_ARGS)

serve: $(SITE_STAMP)
	$(BIN)/papershelf serve $(BUILD_ARGS)

check: $(SITE_STAMP)
	$(BIN)/papershelf check $(BUILD_ARGS)

test: $(TEST_STAMP) java $(NODE_STAMP) chromium
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench

format: $(TEST_STAMP)
	$(BIN)/ruff format generator tests bench
	$(BIN)/ruff check --fix generator tests bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SITE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(SITE_STAMP)

# Builds the seeds and synthetic corpora three ways (full, no-op, one change) beside Hugo + Pagefind,
# prints the table and writes it to bench/results/ (see bench/README.md).
bench: $(BENCH_STAMP) $(NODE_STAMP) chromium
	$(BIN)/python -m bench.run --sizes $(BENCH_SIZES) $(BENCH_ARGS)

# Search relevance: the queries of bench/queries/ through papershelf's engine, Pagefind and BM25;
# prints the table and writes it to bench/results/ (see bench/README.md). Options: BENCH_SEARCH_ARGS.
BENCH_SEARCH_ARGS ?=
bench-search: $(BENCH_STAMP) $(NODE_STAMP) chromium
	$(BIN)/python -m bench.relevance $(BENCH_SEARCH_ARGS)

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@ $(TEST_STAMP) $(SITE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# Playwright drives Debian's Chromium; its own browser download cannot work offline.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# The HTML validator (vnu-jar from npm) runs on Java; Debian's headless runtime is enough.
# (npm ci skips vnu-jar's install script, which would otherwise try to download a Java of its own.)
java:
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y default-jre-headless; }

clean-env:
	rm -rf $(VENV) node_modules

# Rebuild the site and retake the README screenshots in docs/ (look at them before committing).
screenshots: site chromium
	$(BIN)/python docs/screenshots.py _site docs
