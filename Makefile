# Two commands on a fresh machine with python3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-stamp
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint install clean robustness train-langid train-ner train-topics bench bench-startup bench-freshness bench-compaction bench-history storage-checks flink flink-stop flink-test

# A .venv made by another Python (another version or install) is made again, not patched:
# pip would keep its interpreter, and the stamps would say it is up to date.
WHICH := import sys; print(sys.version, sys.base_prefix)
ifneq ($(wildcard $(BIN)/python),)
ifneq ($(shell $(BIN)/python -c '$(WHICH)' 2>/dev/null),$(shell $(PYTHON) -c '$(WHICH)' 2>/dev/null))
OTHER_PYTHON := $(RUNTIME).other-python
.PHONY: $(OTHER_PYTHON)
endif
endif

# The demo needs the runtime only; tests, lint, training and the Dataflow dry runs add the
# dev and gcp extras on top.
$(RUNTIME): pyproject.toml constraints.txt $(OTHER_PYTHON)
	$(if $(OTHER_PYTHON),@echo "nordwire: $(VENV) was made by another Python; making it again" && rm -rf $(VENV))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,gcp,report]'
	touch $(STAMP)

install: $(STAMP)

demo: $(RUNTIME)
	$(BIN)/nordwire run --output out
	$(BIN)/nordwire query "SELECT topic, language, count(*) AS articles FROM articles GROUP BY ALL ORDER BY articles DESC, topic" --output out
	$(BIN)/nordwire query "SELECT reason, count(*) AS rejects FROM rejects GROUP BY ALL ORDER BY rejects DESC" --output out

# mypy cannot follow the editable install's import hook, so the namespace is laid out as links.
TYPECHECK := build/typecheck/nordwire
lint: $(STAMP)
	$(BIN)/ruff check pipeline transforms schemas tests deploy
	mkdir -p $(TYPECHECK)
	for d in pipeline transforms schemas; do ln -sfn ../../../$$d $(TYPECHECK)/$$d; done
	$(BIN)/mypy

# Tests run on every core (pytest-xdist); `-m slow` ones run in `make storage-checks`.
test: lint
	$(BIN)/python -m pytest -n auto

# Retrains the shipped language model from ../shared/data (3-8 minutes on 2 cores); the first
# run downloads pycld2's source distribution (other languages' text) into ~/.cache/nordwire.
train-langid: $(STAMP)
	nice -n 10 $(BIN)/python -m nordwire.pipeline.tools.train_langid --data ../shared/data --out transforms/models/langid.npz

# make bench: every figure of issue 26 in one command (an idle machine; 35 to 65 minutes on
# 2 cores): plain, direct and direct-mp at 10,000 articles (targets, stage table) and 100,000
# (throughput and peak memory at scale), each Beam runner's rows against the plain loop's,
# and the reading commands' start-up. Writes $(JSON) and $(MARKDOWN). SIZES and RUNNERS
# (plain direct direct-mp direct-mp3 direct-mt) override, e.g. `make bench SIZES=1000` for
# a quick look; RECORD=1 adds the report as a dated section to docs/performance.md.
SIZES ?= 10000 100000
RUNNERS ?= plain direct direct-mp
JSON ?= bench.json
MARKDOWN ?= bench.md
bench: $(STAMP)
	$(BIN)/python -m tests.bench.run --sizes $(SIZES) --runners $(RUNNERS) --json $(JSON) --markdown $(MARKDOWN) $(if $(RECORD),--record docs/performance.md)

# Wall time of the commands that only read (goal: under 0.5 s each).
bench-startup: $(STAMP)
	$(BIN)/python -m tests.bench.startup

bench-freshness: $(STAMP)
	$(BIN)/python -m tests.bench.freshness --interval 5 --interval 30

# Retrains and calibrates the shipped topic model from ../shared/data/feeds; prints figures by held-out outlet and on the held-out split (5-15 minutes).
train-topics: $(STAMP)
	$(BIN)/python -m nordwire.pipeline.tools.train_topics --data ../shared/data --out transforms/models/topics.npz

bench-compaction: $(STAMP)
	$(BIN)/python -m tests.bench.compaction

# 1,000 new articles into an output of 1,000,000 vs an empty one; the history is built once
# into build/bench-history (a few minutes), then reused. Last line: `history cost ratio: R`.
bench-history: $(STAMP)
	$(BIN)/python -m tests.bench.history

# The storage checks too long for `make test`: the 45 shared snapshots one per run, kill -9 of
# writers and compactions (20 rounds), and the write cost against history.
storage-checks: $(STAMP)
	$(BIN)/python -m pytest -m slow tests
	$(BIN)/python -m tests.robustness.storage_kills --rounds 20
	$(BIN)/python -m tests.bench.history

train-ner: $(STAMP)
	$(BIN)/python -m nordwire.pipeline.tools.train_ner --data ../shared/data --out transforms/models

robustness: $(STAMP)
	$(BIN)/python -m pytest -n auto -m slow tests
	$(BIN)/python -m tests.robustness.accounting ../shared/data/feedparser-tests ../shared/data/feeds
	$(BIN)/python -m tests.robustness.hostile
	$(BIN)/python -m tests.robustness.storage_kills --rounds 20

# A Flink session cluster on this machine as plain processes (JobManager, two TaskManagers, a
# Beam worker pool beside each, Beam's Flink job server); downloads are cached in .cache/flink.
FLINK_REST_PORT ?= 8081
FLINK_JOB_PORT ?= 8099
flink: $(STAMP)
	$(BIN)/python deploy/flink/cluster.py start --rest-port $(FLINK_REST_PORT) --job-port $(FLINK_JOB_PORT)

flink-stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python deploy/flink/cluster.py stop; fi

# The batch and streaming jobs on a cluster of their own (random ports), stopped at the end.
flink-test: $(STAMP)
	$(BIN)/python -m pytest tests/flink -o addopts="-q -rs" -p no:cacheprovider

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
