# CCHC Monitor: `make run` and `make test` do all set-up on a fresh machine (Python >= 3.11, make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: venv run demo test check bench bench-scale lock clean

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cchc-monitor run

demo: $(STAMP)
	$(BIN)/cchc-monitor demo

test: $(STAMP) check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Static checks, also run by `make test`: ruff (lint), mypy (strict for the kernel and the stage rooms).
check: $(STAMP)
	$(BIN)/ruff check cchc_monitor scrapers analysis dedup storage alerts flows benchmarks tools tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Country scale on a loopback portal farm against a Scrapy baseline (about an hour; docs/scale-benchmarks.md):
# 40, 160 and 640 portals x 20 at host delays 1 s and 0 (Scrapy + trafilatura where articles/s is compared),
# then cchc-monitor alone at 500, 1,000 and 2,000 portals for memory and throughput.
bench-scale: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-bench.lock
	$(BIN)/python -m benchmarks.crawl_scale --sizes 40,160 --delays 1,0 \
		--skip 40x1:scrapy+trafilatura,160x1:scrapy+trafilatura
	$(BIN)/python -m benchmarks.crawl_scale --sizes 640 --delays 1 --skip 640x1:scrapy+trafilatura
	$(BIN)/python -m benchmarks.crawl_scale --scale 500,1000,2000

# Re-resolve the dependencies of pyproject.toml into requirements.lock (needs the package index).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet ".[test]"
	{ head -n 2 requirements.lock; .lockenv/bin/pip freeze --all --exclude-editable | grep -v -e '^cchc-monitor' -e '^pip=='; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lockenv

clean:
	rm -rf $(VENV) .prefect .pytest_cache
