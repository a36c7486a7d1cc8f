# The two commands of the README: `make run` and `make test`. `make ci` is what .ci/run calls.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
SERVICE_DB ?= postgresql://postgres@127.0.0.1:5432/test
# prod-smoke creates (and drops) a database of its own on this server.
SMOKE_SERVER ?= postgresql://postgres@127.0.0.1:5432/postgres
# pytest-xdist: a test database per worker; a module stays on one worker (its module-scoped
# fixtures and the browser tests' restore of the session data run once there), and modules
# are handed out in collection order (--no-loadscope-reorder): pytest-django puts the
# transactional tests, which empty every table, after the others, and xdist's default
# reordering by size ran them first (a later test then found no migration-seeded indicators).
# Two workers: on the 2-CPU CI machine the pgcompat set took 172 s with -n 2, 241 s with -n 3
# and 235 s with -n 4 (one after the other, on a machine shared with other test runs).
# TEST_WORKERS=0 runs the tests in one process.
TEST_WORKERS ?= 2
# The tests marked `serial` (wall-clock assertions, which neighbours on the same CPUs would
# falsify) run after the others, alone, on a database of their own (~30 s to create).
FUPIN_TEST_DB_NAME ?= test_fupin
export FUPIN_TEST_DB_NAME
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --create-db
SERIAL = FUPIN_TEST_DB_NAME=$(FUPIN_TEST_DB_NAME)_serial $(BIN)/python -m pytest -q -p no:xdist --create-db -m serial
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-fast ci install system-deps lint typecheck checks prod-smoke test-embedded test-service bench serve clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Chromium drives the browser tests; WenQuanYi gives PDFs and screenshots Chinese glyphs.
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wenquanyi; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei fontconfig >/dev/null; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@# In the background: the first start's 疑点 sweep of the demo registry (~40 s), and the
	@# supervision scheduler (daily rule sweep, reminders, escalation, weekly digest). Both stop
	@# with the server (the trap), so no process is left holding the embedded PostgreSQL.
	@mkdir -p var && trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	  $(BIN)/python manage.py registry_sweep --region 510981 --if-no-doubts > var/sweep.log 2>&1 & \
	  $(BIN)/python manage.py run_scheduler > var/scheduler.log 2>&1 & \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

serve: install
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install system-deps
	$(PYTEST) -m "not serial"
	$(SERIAL)

test-fast: install
	$(PYTEST) -m "not browser and not serial"
	$(SERIAL)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy fupin config tests bench

checks: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=ci-$$(date +%s)-check-deploy-secret-key-long-enough-for-django \
	  FUPIN_DATA_KEY=$$(head -c 32 /dev/urandom | base64) \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# The production start: production settings, collectstatic, gunicorn, a few requests.
prod-smoke: install
	$(BIN)/python tests/prod_smoke.py --server $(SMOKE_SERVER)

# The whole suite on the embedded PostgreSQL 18; on the service PostgreSQL 15 only what may
# differ between versions (marker pgcompat: migrations, triggers, COPY, hand-written SQL).
test-embedded: install system-deps
	env -u DATABASE_URL $(PYTEST) -m "not serial"
	env -u DATABASE_URL $(SERIAL)

test-service: install
	DATABASE_URL=$(SERVICE_DB) $(PYTEST) -m "pgcompat and not serial"

ci: install system-deps lint typecheck checks prod-smoke test-embedded test-service

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var/static
