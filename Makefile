# langchain-echo: every command a developer or CI needs. `make help` lists them.
# A fresh machine needs only python3 (>= 3.10) and cargo: the first target run makes .venv,
# upgrades pip there, installs uv, and builds the extension into it.

.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
DEPS := $(VENV)/.deps-installed
BUILT := $(VENV)/.extension-built
RUST_SOURCES := $(wildcard rust/*.rs) Cargo.toml
PY_SOURCES := $(wildcard python/langchain_echo/*.py python/langchain_echo/*.pyi)

.PHONY: help venv build test test-rust test-python lint bench bench-quick bench-pytest demo clean

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet uv

$(DEPS): pyproject.toml | $(PY)
	$(UV) pip install --quiet --python $(PY) maturin -r pyproject.toml --all-extras
	touch $@

venv: $(DEPS) ## Create .venv with every development dependency

$(BUILT): $(DEPS) $(RUST_SOURCES) pyproject.toml
	$(VENV)/bin/maturin develop --release --uv --quiet
	touch $@

build: $(BUILT) ## Build the Rust extension (release profile) into .venv

test-rust: ## Rust unit and doc tests (no Python needed)
	cargo test --quiet

test-python: build ## Python tests: contract, properties, conformance, standard suites
	$(PY) -m pytest

test: test-rust test-python ## Every test: Rust, then Python

lint: build ## cargo fmt/clippy, ruff, mypy, stubtest
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest langchain_echo._core --allowlist stubtest-allowlist.txt

demo: build ## Run the seeds' examples
	$(PY) -m langchain_echo demo

clean: ## Remove build products and the venv
	rm -rf target $(VENV) dist
