# Accord: `make run` brings the broker up; `make test` runs the whole suite.
# Both work on a fresh machine with Python 3.11 and the package registries only.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NPM16  := .clients/npm16
RUBY_PACT_BROKER := $(NPM16)/node_modules/@pact-foundation/pact-cli-linux-x64/standalone/linux-x64-2.5.12/pact/bin/pact-broker

.PHONY: run test test-fast lint clients chromium pgbouncer screenshots benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# The Ruby `pact-broker` CLI (pact_broker-client 1.77.0) ships only in npm's 16.x package.
$(RUBY_PACT_BROKER):
	mkdir -p $(NPM16)
	cd $(NPM16) && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error @pact-foundation/pact-cli@16.1.7
	test -x $@

clients: $(VENV)/.dev-installed $(RUBY_PACT_BROKER)

## run: the whole broker (PostgreSQL, Redis, web, worker, beat) on http://127.0.0.1:9292
run: $(VENV)/.runtime-installed
	$(BIN)/python -m broker.runtime serve

## chromium: Debian's Chromium for the browser tests (CI starts without it; runs as root there)
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

## pgbouncer: Debian's PgBouncer for the transaction-pooling test (tests/test_pgbouncer.py starts its
## own on a free port; a system service the package may start is left alone)
pgbouncer:
	command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer)

# The suite runs in TEST_WORKERS processes (pytest-xdist), a file to each at a time: every
# worker has its own test database, queues and servers (tests/settings.py). 0: one process.
TEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

## test: the whole suite, on real PostgreSQL, Redis, Celery and the real Pact clients
test: clients lint chromium pgbouncer
	$(BIN)/python -m broker.runtime exec -- $(BIN)/python -m pytest $(XDIST)

## test-fast: the suite without the real-client end-to-end tests
test-fast: $(VENV)/.dev-installed chromium pgbouncer
	$(BIN)/python -m broker.runtime exec -- $(BIN)/python -m pytest $(XDIST) -m "not clients"

## screenshots: the web UI's pictures in docs/screenshots (light and dark, 1280x800)
screenshots: $(VENV)/.dev-installed chromium
	ACCORD_WRITE_SCREENSHOTS=1 $(BIN)/python -m broker.runtime exec -- $(BIN)/python -m pytest -q $(wildcard tests/ui/test_*browser.py)

## benchmark: the API benchmark (manage.py benchmark; pass options as ARGS="--versions 1000000")
benchmark: $(VENV)/.dev-installed
	$(BIN)/python -m broker.runtime exec -- $(BIN)/python manage.py benchmark $(ARGS)

## lint: ruff, the layering contracts (.importlinter) and models without migrations
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@# The history check needs no database; the warning that none is running is noise here.
	$(BIN)/python -W ignore::RuntimeWarning manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .clients .pytest_cache
