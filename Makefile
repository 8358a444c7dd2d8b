# Parley: `make run` to try it, `make test` to check it. Both set everything up first.
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint typecheck check-deploy smoke bench clean help messages

help:
	@echo "make run    - start Parley at http://127.0.0.1:$(PORT) with demo data (SQLite, test clock on; logs and mail in var/log/)"
	@echo "make test   - run the whole test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint   - ruff and mypy"
	@echo "make typecheck - mypy alone"
	@echo "make messages - regenerate locale/ru from the code (makemessages), then compile it"
	@echo "make bench  - throughput and latency next to same-run baselines (bench/README.md; DATABASE_URL adds PostgreSQL)"

$(STAMP): pyproject.toml uv.lock scripts/bootstrap
	@scripts/bootstrap
	@touch $@

# Compiled translations: built from the .po files in git, never committed (core/translations.py).
MO := locale/ru/LC_MESSAGES/django.mo
$(MO): locale/ru/LC_MESSAGES/django.po $(STAMP)
	@$(BIN)/parley compile-translations --stale

# After marking new strings: the catalogue gains them (empty in Russian until translated; the
# test web/tests/test_translations.py lists what is missing).
messages: $(STAMP)
	@scripts/ensure-gettext
	@$(BIN)/parley makemessages -l ru --add-location=file --no-obsolete --no-wrap \
	  --ignore='.venv/*' --ignore='var/*' --ignore='bench/*' --ignore='*/tests/*' --ignore='testsupport/*' --ignore='examples/*' --ignore='deploy/*'
	@$(BIN)/parley compile-translations

var/secret-key:
	@mkdir -p var
	@$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))" > $@

run: $(STAMP) var/secret-key $(MO)
	@PARLEY_SECRET_KEY="$$(cat var/secret-key)" PARLEY_TEST_CLOCK=$${PARLEY_TEST_CLOCK:-1} \
	  PARLEY_DEMO=$${PARLEY_DEMO:-1} PARLEY_HTTPS=$${PARLEY_HTTPS:-0} PARLEY_LOG_FORMAT=$${PARLEY_LOG_FORMAT:-plain} \
	  PARLEY_STAFF_SECOND_FACTOR=$${PARLEY_STAFF_SECOND_FACTOR:-0} \
	  PARLEY_PUBLIC_URL=$${PARLEY_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	  PARLEY_LOG_FILE=$${PARLEY_LOG_FILE:-var/log/parley.log} PARLEY_MAIL_DIR=$${PARLEY_MAIL_DIR:-var/log/mail} \
	  $(BIN)/parley serve --port $(PORT)

test: $(STAMP) $(MO)
	@scripts/ensure-chromium
	@DJANGO_SETTINGS_MODULE=parley.test_settings $(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

typecheck: $(STAMP)
	$(BIN)/mypy .

check-deploy: $(STAMP)
	@PARLEY_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  PARLEY_ALLOWED_HOSTS=parley.example.org PARLEY_PUBLIC_URL=https://parley.example.org PARLEY_SMTP_HOST=smtp.example.org DJANGO_SETTINGS_MODULE=parley.settings \
	  $(BIN)/parley check --deploy --fail-level WARNING

# Not part of `make test`: minutes of load, numbers rather than pass/fail (except broken invariants).
bench: $(STAMP)
	@$(BIN)/python -m bench.run $(BENCH_ARGS)

smoke:
	python3 ../shared/contract/smoke.py --base http://127.0.0.1:$(PORT)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
