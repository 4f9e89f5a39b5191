# Translation desk. `make run` brings the desk up with demo content; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Debian packages the desk and its tests use: PostgreSQL with contrib (pg_trgm) for the embedded
# database, chromium for the end-to-end tests, wrk for the benchmarks, redis-server, redis-sentinel,
# haproxy, patroni and etcd for `make cluster` (the production topology on this machine: automatic
# failover), varnish and varnish-modules (xkey) for its edge cache, gettext (msgfmt) to compile the
# site's translations.
DEBIAN_PACKAGES := postgresql postgresql-contrib chromium wrk redis-server redis-sentinel haproxy patroni etcd-server etcd-client varnish varnish-modules gettext

.PHONY: install system-packages messages run dev stop test test-fast lint format e2e bench load clean stop-db cluster cluster-drill

install: system-packages $(VENV)/.installed messages node_modules/.installed

# Test tools from npm (axe-core for the accessibility test), exactly as package-lock.json pins them;
# nothing is built or served from node_modules. As root, Debian's npm is installed when missing.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	  else echo "Not root: please install nodejs and npm (needed for the accessibility test)"; exit 1; fi; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The site's words in every publishing language: locale/*/LC_MESSAGES/django.po -> .mo (not committed).
messages: $(VENV)/.installed
	@DESK_TESTING=1 DATABASE_URL=postgres://messages@localhost/messages $(BIN)/python manage.py compilemessages \
	  --ignore '.venv/*' --ignore '.data/*' -v 0

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

# The demo publishes in English and German; a desk turns languages on the same way.
EXTRA_PUBLISHING_LANGUAGES ?= de

# Production stack on this machine: gunicorn, Celery worker and beat, embedded PostgreSQL, demo content.
run: install
	PORT=$(PORT) EXTRA_PUBLISHING_LANGUAGES=$(EXTRA_PUBLISHING_LANGUAGES) $(BIN)/python manage.py run_desk

# The same with Django's autoreloading DEBUG server instead of gunicorn.
dev: install
	DEBUG=1 PORT=$(PORT) EXTRA_PUBLISHING_LANGUAGES=$(EXTRA_PUBLISHING_LANGUAGES) $(BIN)/python manage.py run_desk --dev

# Stops what a killed `make run` left running (its processes, the embedded PostgreSQL).
stop:
	$(BIN)/python manage.py run_desk --stop

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DESK_TESTING=1 $(BIN)/mypy newsroom translations
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint
	$(BIN)/pytest -q -n 2 --dist loadgroup --durations=20; status=$$?; $(BIN)/python -m newsroom.core.embedded_db stop; exit $$status

# The inner loop: everything but the slow tests (browser, real worker, fault and kill drills,
# the cluster drill, Schemathesis). `make test` still runs everything.
test-fast: install
	$(BIN)/pytest -q -n 2 --dist loadgroup -m "not slow"; status=$$?; $(BIN)/python -m newsroom.core.embedded_db stop; exit $$status

e2e: install
	$(BIN)/pytest -q -m e2e

# The benchmarks, each against a realistic baseline measured in the same run. (The other files in
# bench/ are their helpers; `make cluster-drill` runs the cluster drill.)
BENCHMARKS := bench/extraction.py bench/import.py bench/desk.py bench/autosave.py bench/site.py bench/search_engine.py bench/load.py bench/file_cache.py
bench: install
	@for b in $(BENCHMARKS); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

stop-db:
	$(BIN)/python -m newsroom.core.embedded_db stop

clean: stop-db
	rm -rf .data

# 60 s of readers, translators autosaving and editors moving jobs, on gunicorn + a real worker.
load: install
	$(BIN)/python bench/load.py

# The production topology from Debian packages: PostgreSQL under Patroni (three etcd members,
# automatic failover; CLUSTER_SYNC=1 for synchronous replication), Redis with a replica and three
# sentinels, two gunicorn web nodes behind haproxy on 127.0.0.1:$(CLUSTER_PORT), two workers, one beat.
CLUSTER_PORT ?= 8080
cluster: install
	CLUSTER_PORT=$(CLUSTER_PORT) $(BIN)/python bench/cluster.py

# The cluster under load for ~3 min while a web node, a worker, an etcd member, the Redis primary,
# a replica's network and the PostgreSQL primary fail (Patroni and the sentinels recover by themselves).
cluster-drill: install
	$(BIN)/python bench/cluster_drill.py
