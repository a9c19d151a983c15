# Two commands for a newcomer: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Integration tests: the real services on this machine (override to point elsewhere).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/qipp_portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The project's apps, which `make typecheck` checks with the tests (a new app is added here).
APPS := governance schemes risks finance dashboards demo benchmarks qipp_portal

.PHONY: run test setup lint typecheck check-migrations unit integration browser services chromium libreoffice benchmark clean coverage-erase

# A layer on its own runs plain pytest. `make test` runs every layer under coverage (branch coverage of the
# apps; settings in pyproject.toml): each process, the integration layer's Celery worker included, writes its
# own .coverage.* file; at the end they are combined and the total is printed (under 90% fails the run).
PYTEST = $(PY) -m pytest
test: PYTEST = $(PY) -m coverage run -m pytest

# The settings default to DJANGO_DEBUG off, which needs a real DJANGO_SECRET_KEY. These targets are for
# a developer's machine and CI, so they turn debug on (the tests also do: tests/pytest_environment.py).
run typecheck check-migrations unit integration browser benchmark: export DJANGO_DEBUG := true

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: setup
	$(PY) -m ruff check .

# mypy with django-stubs and djangorestframework-stubs over the apps and the tests (settings in pyproject.toml).
typecheck: setup
	$(PY) -m mypy $(APPS) tests

check-migrations: setup
	$(PY) manage.py makemigrations --check --dry-run

# Unit tests and page tests on the embedded default (SQLite, eager Celery); the board pack is opened in Debian's
# LibreOffice (installed by scripts/install-libreoffice.sh, as chromium is).
unit: setup libreoffice
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(PYTEST) tests/unit

# Browser tests drive Debian's chromium (installed by scripts/install-chromium.sh, never downloaded).
browser: setup chromium
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(PYTEST) tests/browser

# Integration tests: real PostgreSQL, Redis and a Celery worker.
integration: setup services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_QUEUE=qipp-integration-tests \
		$(PYTEST) tests/integration

test: lint typecheck check-migrations coverage-erase unit integration browser
	@$(PY) -m coverage combine --quiet
	$(PY) -m coverage report

coverage-erase: setup
	@$(PY) -m coverage erase

services:
	@bash scripts/ensure-services.sh

chromium:
	@bash scripts/install-chromium.sh

# Spreadsheet checks open what we write in Debian's LibreOffice, headless (scripts/install-libreoffice.sh).
libreoffice:
	@bash scripts/install-libreoffice.sh

# The national benchmark (docs/performance.md) on PostgreSQL, in a database of its own (created if missing; the
# synthetic portfolio is built once and reused). Celery eager, as the board pack is measured in-process.
# `make benchmark BENCHMARK_SCALE=small` for the quick one; `manage.py benchmark --scale demo` for the hot paths.
BENCHMARK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/qipp_benchmark
BENCHMARK_SCALE ?= national
BENCHMARK_ENV = env -u REDIS_URL -u CELERY_BROKER_URL DATABASE_URL=$(BENCHMARK_DATABASE_URL)
benchmark: setup
	@bash scripts/ensure-services.sh $(notdir $(BENCHMARK_DATABASE_URL))
	$(BENCHMARK_ENV) $(PY) manage.py migrate --noinput
	$(BENCHMARK_ENV) $(PY) manage.py load_demo
	$(BENCHMARK_ENV) $(PY) manage.py benchmark --scale $(BENCHMARK_SCALE) --output benchmark-$(BENCHMARK_SCALE).json

clean:
	rm -rf $(VENV) benchmark-*.json .coverage .coverage.* htmlcov db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache .ruff_cache .mypy_cache .hypothesis
