# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
## Test processes (pytest-xdist; each test has its own SQLite file or PostgreSQL schema): 2 fits a 2-core machine.
## TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist worksteal

.PHONY: install browser demo test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Headless Chromium and its driver for the dashboard's browser tests (Debian's packages; root or sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		echo "browser tests use $$(chromium --version)"; \
	else \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; \
	fi

## Run a whole mentoring programme on the embedded default (SQLite + local Discord and X). No token, no network.
demo: install
	$(PY) -m bot demo

## Lint, type-check, and run the whole suite on SQLite, then storage, end-to-end and reliability tests on
## PostgreSQL when TEST_DATABASE_URL is set (the reliability tests start first; the one that restarts
## PostgreSQL restarts a private server of its own, so they all run beside the others).
test: install lint test-sqlite test-postgres

lint: install
	$(VENV)/bin/ruff check bot cogs storage tests
	$(VENV)/bin/mypy bot storage cogs

test-sqlite: install
	MENTORBOT_TEST_BACKEND=sqlite $(PY) -m pytest -q -p no:cacheprovider $(XDIST)

test-postgres: install
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		MENTORBOT_TEST_BACKEND=postgresql $(PY) -m pytest -q -p no:cacheprovider $(XDIST) \
			-m "storage or e2e or reliability"; \
	else \
		echo "TEST_DATABASE_URL is not set: skipping the PostgreSQL run (CI sets it)"; \
	fi

bench: install
	$(PY) -m bot bench matching --quick
	$(PY) -m bot bench sandbox

clean:
	rm -rf $(VENV) demo-output mentorbot.db *.egg-info
