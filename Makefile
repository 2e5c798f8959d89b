# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint messages audit clean

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
	rm -rf $(VENV) .venv-audit .pytest_cache .ruff_cache
