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
RUST_SOURCES := $(wildcard rust/*.rs rust/*/*.rs) Cargo.toml
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

build: $(BUILT) ## Build the Rust extension (release profile, this CPython's own ABI) into .venv

test-rust: ## Rust unit and doc tests (no Python needed)
	cargo test --quiet

test-python: build ## Python tests: contract, properties, conformance, standard suites
	$(PY) -m pytest

test: test-rust test-python ## Every test: Rust, then Python

lint: build ## cargo fmt/clippy, ruff, mypy, stubtest
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --all-targets --features python -- -D warnings
	cargo clippy --quiet --all-targets --features abi3 -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest langchain_echo._core --allowlist stubtest-allowlist.txt

demo: build ## Run the seeds' examples
	$(PY) -m langchain_echo demo

bench: build ## The main job: every benchmark against its baselines and targets (reports/)
	$(PY) -m langchain_echo bench --out reports --plot reports/bench.png

bench-quick: build ## The same, shorter: about a minute
	$(PY) -m langchain_echo bench --quick --out reports

bench-pytest: build ## The benchmarks under pytest-benchmark (benches/)
	$(PY) -m pytest benches --benchmark-enable --benchmark-columns=min,median,mean,rounds

# Release artifacts, into dist/. The wheel is built in a target dir of its own, so it never races a
# `make build` (maturin develop) in the same tree for target/maturin, nor rebuilds that one's cache.
DIST ?= dist
WHEEL_TARGET := target/wheel
ACTIONLINT ?= actionlint

.PHONY: sdist wheel wheel-check wheel-smoke

sdist: $(DEPS) ## Build the source distribution into dist/
	rm -f $(DIST)/langchain_echo-*.tar.gz
	$(VENV)/bin/maturin sdist --out $(DIST)

# Linux: `--auditwheel check` fails on any shared library outside the manylinux policy instead of
# grafting it in, and the tag is the lowest manylinux one the symbols allow (glibc here), which
# `--compatibility pypi` requires to exist. The release workflow builds manylinux2014 wheels in
# the manylinux containers; this one is for this machine and its like.
# Two wheels: abi3 (the `abi3` feature: every CPython >= 3.10, str read as UTF-8) and one for this
# CPython (reads str in place, PEP 393), which pip prefers where it applies (a more specific tag).
wheel: sdist ## Build the release wheels (abi3, and this CPython's own) and the sdist into dist/
	rm -f $(DIST)/langchain_echo-*.whl
	$(VENV)/bin/maturin build --release --locked --interpreter $(PY) --target-dir $(WHEEL_TARGET) \
		--features abi3 --auditwheel check --compatibility pypi --out $(DIST)
	$(VENV)/bin/maturin build --release --locked --interpreter $(PY) --target-dir $(WHEEL_TARGET) \
		--auditwheel check --compatibility pypi --out $(DIST)

wheel-check: wheel ## twine check --strict, abi3audit, the artifacts' contents, the workflows
	$(VENV)/bin/twine check --strict $(DIST)/langchain_echo-*
	$(VENV)/bin/abi3audit --strict --summary $(DIST)/langchain_echo-*-abi3-*.whl
	$(PY) scripts/check_dist.py $(DIST)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	@if command -v $(ACTIONLINT) >/dev/null; then echo "$(ACTIONLINT)"; $(ACTIONLINT); \
	else echo "actionlint: not on PATH here, skipped (CI's workflows job runs it)"; fi

wheel-smoke: wheel ## Install the wheel with no cargo/rustc on PATH, the sdist with them; run README + demo
	UV=$(UV) bash scripts/wheel-smoke.sh $(DIST)

clean: ## Remove build products and the venv
	rm -rf target $(VENV) dist
