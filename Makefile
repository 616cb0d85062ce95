# The two commands: `make run` and `make test`. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run serve test test-fast lint typecheck check e2e bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

## make run: install, migrate, load demo data, serve on :8000 (WEB_PORT) with a Celery worker
WEB_PORT ?= 8000
# Links in e-mails (the demo's too) point at this server unless SITE_URL says otherwise.
run: export SITE_URL ?= http://127.0.0.1:$(WEB_PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	WEB_PORT=$(WEB_PORT) $(BIN)/honcho -f Procfile.dev start

## make test: install and run the whole suite, on both cores (pytest-xdist: each process
## its own test database and cache database; the permission matrix runs as shards; an idle
## process takes half of the other's remaining tests, `--dist worksteal`, so both end together)
test: install
	$(BIN)/python -m pytest -n 2 --dist worksteal

## make test-fast: the quick loop. Everything but the browser journeys and the tests that
## start real processes (fault, worker-crash, live-server), on both cores, with a small
## property-test profile. Each test process copies a pre-built migrated template of the
## test database (tests/template_db.py) instead of migrating its own.
test-fast: install
	HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -n 2 --dist worksteal -m "not integration and not e2e" \
		--ignore=tests/e2e $(ARGS)

## make lint: ruff, missing migrations, mypy on services, selectors and the engine,
## the import graph against the layers of the README's map (import-linter), and no
## import cycle between any two modules (scripts/check_import_cycles.py)
lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_import_cycles.py

## make e2e: only the browser journeys (Chromium, screenshots in test-artifacts/e2e/)
e2e: install
	$(BIN)/python -m pytest tests/e2e

check: lint test

## make bench: the benchmarks. The directory's needs DATABASE_URL on a PostgreSQL database
## kept for benchmarks (it seeds 100,000 vendors there once: manage.py seed_scale); the API's
## also REDIS_URL (it signs in as the scale data's buyer).
bench: install
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_results.py
	$(BIN)/python benchmarks/bench_report.py 50
	@case "$$DATABASE_URL" in \
		postgres*) $(BIN)/python benchmarks/bench_directory.py && \
			$(BIN)/python benchmarks/bench_api.py --user buyer@scale.example ;; \
		*) echo "bench_directory: skipped (set DATABASE_URL to a PostgreSQL benchmark database)" ;; \
	esac

clean:
	rm -rf $(VENV) node_modules staticfiles var
