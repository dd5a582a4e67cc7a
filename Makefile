# Two commands for a fresh machine: `make run` (set up, ingest the seeds, serve the chat) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run test setup llama serve ingest-seeds clean chromium

run: setup ingest-seeds serve

setup: llama $(STAMP)

$(BIN)/python:
	@echo "==> creating $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# llama-cpp-python: built by tools/portable_llama.py into ~/.cache/newsqa/wheels/<recipe hash>, never from
# pip's cache (pip would reuse a -march=native wheel built on another CPU), and reinstalled whenever the
# installed one does not carry the recipe's hash. Runs on every setup; it is a no-op when all is in place.
llama: | $(BIN)/python
	$(BIN)/python tools/portable_llama.py

$(STAMP): pyproject.toml | $(BIN)/python llama
	@echo "==> torch 2.13.0, CPU build (a plain 'torch' would pull several GB of CUDA)"
	$(BIN)/pip install --progress-bar on torch==2.13.0
	@echo "==> newsqa and its dependencies"
	$(BIN)/pip install --progress-bar on -e '.[test,train]'
	rm -f $(VENV)/.installed-*
	touch $@

ingest-seeds: setup
	$(BIN)/newsqa ingest seeds/

serve: setup
	$(BIN)/newsqa serve --host $(HOST) --port $(PORT)

# The seed-set gate: thresholds sit just under the measured numbers, so a regression fails the build.
# With the learned models (rag/learned/, retrained 2026-12-02) and the key-term checks the seed set measures
# contains 64, numeric 80, abstention 100, false abstention 0, and 91.2 on the unanswerable set (the hand rules
# the models replaced were tuned on these 33 questions and measured 84, 100, 100 and 8). Each gate leaves one
# question of slack: the 270M draft is one of the scorer's inputs and its greedy output can differ between CPUs
# (AVX2 vs AVX-512 kernels round differently).
# Moved 2026-12-07 (lowered: contains 60 -> 56, false abstention 4 -> 16) when a doubted answer that is not a count
# asked for and that the LLM's draft does not give became a decline (README "Abstention's limit", D): the seed set
# measures contains 60, false abstention 12 (one right answer declined, Aamaq: the 270M draft says Al-Jazeera; and
# two wrong ones); on 755 rtqa questions the same rule declines 147 wrong answers for 1 right one.
GATES := --min contains=56 --min abstention_accuracy=87.5 --min citation_precision=95 --min recall_at_k=95 \
         --min numeric_match=70 --max false_abstention_rate=16

# Reader questions (why / how / summarize / latest, key phrases as accepted answers) and questions the seed
# article does not answer (made-up things, future events, facts it touches but does not state).
READER_GATES := --min contains=80 --max false_abstention_rate=10
# Unanswerable: 94.1 measured since D (91.2 before; the gate was raised 88 -> 91).
UNANSWERABLE_GATES := --min abstention_accuracy=91

# News reader questions over real articles (bench/sets/, written from 45+ rtqa-train stories of periods no training
# run uses, see bench/readerset.py): explanations (why, what caused, what happened, how, summarize, latest) with key
# phrases as accepted answers, questions the articles do not answer, and follow-up conversations.
# Measured 2026-12-07 (Intel Xeon with AMX): contains 56.5 (46 explanatory; 54.3 before "latest on X" kept to the
# topic and the day asked; 56.5 again in each of seven make test runs since), abstention 8.0 (25 unanswerable; 4.0
# between 8eb64b8, after which a date question no longer declined for a month read as a name, and the rule that a
# phrase answers "when" only with a word that says when), median answer 57.5 words; follow-ups contains 40 (10).
# Since the LLM points at the sentence that answers a "how" or an unreasoned "why" (72f3e50): contains 60.9 (28 of
# 46), median 56.5 words. Since a doubted answer the draft does not give is declined (D): abstention 76.0 (8.0
# before; --strict 80.0), follow-ups contains 50 (40). The issue's targets (contains >= 80, abstention >= 90) are
# missed; each gate keeps one question of slack at what is measured, so a regression fails the build.
# Since "latest" tells the newest story by its lead and a doubted number is kept only for a count (2026-12-07, AMD EPYC
# with avx512_bf16): contains 65.2 (30 of 46), abstention 80.0, median 59.0 words; gates raised 58 -> 63 and 72 -> 76.
# Since what happened is not answered by what was to come ("will elect", `done_fits`; 2026-12-07, EPYC): abstention
# 88.0 (22 of 25), default and --strict; gates raised 76 -> 84. Since explanations keep to the stories the ranker
# finds about the question (ABOUT_SHARE): contains 67.4 (31 of 46), default and --strict; gates raised 63 -> 65.
# Since a reason lifts a "why" sentence only when the sentence says what it is the reason for, and a fact is not
# answered from a sentence whose years all come before the question's (2026-12-08, EPYC): contains 69.6 (32 of 46),
# abstention 92.0 (23 of 25), median 59.0 words, default and --strict; gates raised 65 -> 67 and 84 -> 88.
READER_NEWS_GATES := --min contains=67 --min abstention_accuracy=88 --min answer_words_p50=15 --max answer_words_p50=60
# With --strict (the support check, README "Abstention's limit"): abstention 92.0, contains 69.6 (2026-12-08, EPYC).
STRICT_READER_NEWS_GATES := --min contains=67 --min abstention_accuracy=88
# Follow-ups: 50 on the Xeon with AMX, 40 on an AMD EPYC with avx512_bf16 for the same code (f274fa5: "Where was the
# plane headed?" is answered "Honolulu" on one and "Kentucky" on the other), so the gate keeps one question of slack
# below the EPYC's 40 (lowered 40 -> 30 on 2026-12-07).
FOLLOW_UP_GATES := --min contains=30

chromium:
	@command -v chromium >/dev/null || { echo "==> installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup chromium
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest
	home=$$(mktemp -d); \
	NEWSQA_HOME=$$home $(BIN)/newsqa eval seeds/questions.jsonl --corpus seeds/ $(GATES) && \
	NEWSQA_HOME=$$home $(BIN)/newsqa eval seeds/reader.jsonl --corpus seeds/ $(READER_GATES) && \
	NEWSQA_HOME=$$home $(BIN)/newsqa eval seeds/unanswerable.jsonl --corpus seeds/ $(UNANSWERABLE_GATES) && \
	$(BIN)/python -m bench.readerset $$home/reader-news && \
	NEWSQA_HOME=$$home $(BIN)/newsqa eval bench/sets/reader-news.jsonl --corpus $$home/reader-news/corpus.jsonl $(READER_NEWS_GATES) && \
	NEWSQA_HOME=$$home $(BIN)/newsqa --strict eval bench/sets/reader-news.jsonl --corpus $$home/reader-news/corpus.jsonl $(STRICT_READER_NEWS_GATES) && \
	NEWSQA_HOME=$$home $(BIN)/newsqa eval bench/sets/follow-ups.jsonl --corpus $$home/reader-news/corpus.jsonl $(FOLLOW_UP_GATES)

clean:
	rm -rf $(VENV) .newsqa .pytest_cache
