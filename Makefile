# Translation desk. `make run` brings the desk up with demo content; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Debian packages the desk and its tests use: PostgreSQL with contrib (pg_trgm) for the embedded
# database, chromium for the end-to-end tests, wrk for the benchmarks.
DEBIAN_PACKAGES := postgresql postgresql-contrib chromium wrk

.PHONY: install system-packages run test lint format e2e bench load clean stop-db

install: system-packages $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# As root, install what is missing (skipped when everything is there, or when not root).
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Not root: please install$$missing (needed for pg_trgm and the browser tests)"; fi; \
	fi

run: install
	DEBUG=1 PORT=$(PORT) $(BIN)/python manage.py run_desk

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DESK_TESTING=1 DATABASE_URL=postgres://lint@localhost/lint $(BIN)/mypy newsroom translations

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint
	$(BIN)/pytest -q -n 2 --dist loadgroup; status=$$?; $(BIN)/python -m newsroom.core.embedded_db stop; exit $$status

e2e: install
	$(BIN)/pytest -q -m e2e

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

stop-db:
	$(BIN)/python -m newsroom.core.embedded_db stop

clean: stop-db
	rm -rf .data

# 60 s of readers, translators autosaving and editors moving jobs, on gunicorn + a real worker.
load: install
	$(BIN)/python bench/load.py
