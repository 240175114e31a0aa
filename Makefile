# Two commands: `make run` (set up, then start the chat on 127.0.0.1:8501) and `make test`.
# Everything else is a step of those two and can be run on its own.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501
PYTEST_ARGS ?=

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup install index answers run test test-fast browser bench bench-scale eval lint-corpus lint clean

setup: install index answers ## idempotent: install the pinned dependencies, build or update the index, import the reviewed answers

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is installed first and pinned to the CPU build that lies on this machine's disk;
# an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

index: install ## builds the index if missing, updates only what changed otherwise
	$(BIN)/chatbot ingest

answers: index ## the shipped reviewed answers, into an empty database only (never over the review desk's work)
	$(BIN)/chatbot answers import corpus/reviewed_answers.yaml --if-empty

run: setup
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

browser: ## Debian's Chromium for the end-to-end browser test (never a downloaded browser)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (apt-get)"; \
		(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: setup browser ## skips the llm-marked tests for a quick loop
	$(BIN)/python -m pytest -q -m "not llm" $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m chatbot.bench

bench-scale: setup
	$(BIN)/python -m chatbot.bench_scale

eval: setup ## answer-quality report in reports/eval-<timestamp>/
	$(BIN)/chatbot eval

lint-corpus: setup ## corpus health: duplicates, cut-off paragraphs, page leftovers, contradictions
	$(BIN)/chatbot lint-corpus

lint:
	$(BIN)/ruff check chatbot tests pages app.py

clean:
	rm -rf index reports .pytest_cache
