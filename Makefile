# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-lowest lint messages audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@ $(STAMP)

## make run: start the bot (real Telegram with TELEGRAM_BOT_TOKEN, otherwise the sandbox)
run: $(STAMP)
	$(BIN)/cadrebot run

## make test: the whole test suite (also what CI runs)
test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## make test-lowest: the lowest dependency versions pyproject.toml allows, on a quick subset
## of the tests (CI runs it after `make test`; needs access to PyPI on first use)
LOWEST := .venv-lowest
LOWEST_TESTS := tests/test_scoring.py tests/test_periods.py tests/test_policy.py \
	tests/test_sqlite_driver.py tests/test_cli.py tests/test_import.py tests/test_flow_report.py \
	tests/test_import_formats.py tests/test_numbers.py tests/test_cli_help.py \
	tests/test_telegram_request.py tests/test_polling.py
$(LOWEST)/.installed: $(BIN)/python pyproject.toml scripts/lowest_constraints.py
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --upgrade pip
	$(BIN)/python scripts/lowest_constraints.py > $(LOWEST)/constraints.txt
	$(LOWEST)/bin/pip install --quiet -c $(LOWEST)/constraints.txt -e '.[test]'
	touch $@

test-lowest: $(LOWEST)/.installed
	$(LOWEST)/bin/python -m pytest -q -p no:cacheprovider $(LOWEST_TESTS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

## make messages: re-extract user-facing strings into locales/vi/LC_MESSAGES/messages.po
messages: $(TEST_STAMP)
	$(BIN)/python scripts/i18n_sync.py

## make audit: check the pinned dependencies against known vulnerabilities (needs internet
## access to pypi.org's advisory API; runs pip-audit from its own throwaway environment)
PIP_AUDIT_VERSION := 2.10.1
audit:
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/pip install --quiet pip-audit==$(PIP_AUDIT_VERSION)
	.venv-audit/bin/pip-audit --requirement constraints.txt --no-deps --disable-pip --strict

clean:
	rm -rf $(VENV) .venv-audit .venv-lowest .pytest_cache .ruff_cache
