# langchain-echo: every command a developer or CI needs. `make help` lists them.
# A fresh machine needs only python3 (>= 3.10) and cargo: the first target run makes .venv, installs
# a pinned uv there, and syncs it from uv.lock (`uv sync --locked`): every development tool at the
# version CI last passed with. Each target syncs only the dependency groups it needs.

.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
BUILT := $(VENV)/.extension-built
RUST_SOURCES := $(shell find rust -name '*.rs') Cargo.toml Cargo.lock
# `--inexact`: a target's sync adds its groups and removes nothing (uv itself, the extension, the
# groups other targets synced). `--no-install-project`: maturin builds the extension (`build`).
SYNC = UV_PROJECT_ENVIRONMENT=$(abspath $(VENV)) $(UV) sync --locked --inexact --no-install-project \
	--no-default-groups --quiet

.PHONY: help venv build test test-rust test-python test-lowest test-latest lock lock-lowest lint \
	bench bench-quick bench-pytest demo soak mutants clean

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# One stamp per set of groups, remade when the lock changes.
$(VENV)/.synced-build: pyproject.toml uv.lock | $(PY)
	$(SYNC) --group build
	touch $@
$(VENV)/.synced-test: pyproject.toml uv.lock | $(PY)
	$(SYNC) --group build --group test
	touch $@
$(VENV)/.synced-lint: pyproject.toml uv.lock | $(PY)
	$(SYNC) --group build --group lint --extra bench --extra plot
	touch $@
$(VENV)/.synced-bench: pyproject.toml uv.lock | $(PY)
	$(SYNC) --group build --group test --extra bench --extra plot
	touch $@
$(VENV)/.synced-release: pyproject.toml uv.lock | $(PY)
	$(SYNC) --group build --group release
	touch $@
$(VENV)/.synced-mutation: pyproject.toml uv.lock | $(PY)
	$(SYNC) --group build --group test --group mutation
	touch $@
$(VENV)/.synced-dev: pyproject.toml uv.lock | $(PY)
	$(SYNC) --group dev --extra bench --extra plot
	touch $@

venv: $(VENV)/.synced-dev ## Create .venv with every development dependency, from uv.lock

$(BUILT): $(VENV)/.synced-build $(RUST_SOURCES) pyproject.toml
	$(VENV)/bin/maturin develop --release --uv --quiet
	touch $@

build: $(BUILT) ## Build the Rust extension (release profile, this CPython's own ABI) into .venv

test-rust: ## Rust unit and doc tests (no Python needed)
	cargo test --quiet

test-python: $(BUILT) $(VENV)/.synced-test ## Python tests: contract, properties, conformance, standard suites
	$(PY) -m pytest

test: test-rust test-python ## Every test: Rust, then Python

# The lowest langchain-core that pyproject.toml admits, with the test and lint groups resolved
# around it, pinned in ci/requirements-lowest.txt (`make lock-lowest` remakes it): the other end
# of the supported range, tested by .ci/run in a venv of its own.
LOWEST := .venv-lowest
LOWEST_REQS := ci/requirements-lowest.txt
LOWEST_CORE = $(shell sed -n 's/^dependencies = \["langchain-core>=\([0-9.]*\).*/\1/p' pyproject.toml)

lock: | $(PY) ## Re-resolve uv.lock and ci/requirements-lowest.txt to today's newest and lowest releases
	$(UV) lock --upgrade
	$(MAKE) lock-lowest

lock-lowest: | $(PY) ## Re-resolve ci/requirements-lowest.txt (the lowest langchain-core pyproject admits)
	@test -n "$(LOWEST_CORE)" || { echo "no langchain-core>= bound in pyproject.toml"; exit 1; }
	@# Two agent packages need more than their requirements say, so they are held back here:
	@# langgraph-checkpoint >= 4.1 calls a langchain-core API newer than 1.0 (Reviver's
	@# `allowed_objects`), and langgraph-prebuilt >= 1.0.9 imports `ExecutionInfo`, which the
	@# langgraph it admits here (1.0.10) lacks.
	printf '%s\n' langchain-core==$(LOWEST_CORE) 'langgraph-checkpoint<4.1' \
		'langgraph-prebuilt<1.0.9' > $(VENV)/lowest-constraint.txt
	$(UV) pip compile --quiet pyproject.toml --group build --group test --group lint \
		--constraint $(VENV)/lowest-constraint.txt --python-version 3.10 --universal \
		--no-header --output-file $(LOWEST_REQS)
	sed -i '1i # The test and lint groups at the lowest langchain-core pyproject.toml admits ($(LOWEST_CORE)).\n# Made by `make lock-lowest`; .ci/run installs it as is (`make test-lowest`).' $(LOWEST_REQS)

$(LOWEST)/.synced: $(LOWEST_REQS) | $(PY)
	rm -rf $(LOWEST)
	$(UV) venv --quiet --python $(PYTHON) $(LOWEST)
	$(UV) pip sync --quiet --python $(LOWEST)/bin/python $(LOWEST_REQS)
	touch $@

test-lowest: $(BUILT) $(LOWEST)/.synced ## pytest and mypy against the lowest langchain-core admitted
	PATH=$(abspath $(VENV))/bin:$$PATH VIRTUAL_ENV=$(abspath $(LOWEST)) $(VENV)/bin/maturin develop --release --uv --quiet
	@# maturin installs the package's dependencies at their newest: put the pinned ones back.
	$(UV) pip install --quiet --python $(LOWEST)/bin/python -r $(LOWEST_REQS)
	$(LOWEST)/bin/python -c 'import langchain_core; print("langchain-core", langchain_core.__version__)'
	$(LOWEST)/bin/python -m pytest -q
	$(LOWEST)/bin/mypy

# Everything upgraded, in a scratch copy of the work tree: `uv lock --upgrade` there, then the
# tests and the linters. The scheduled workflow runs it daily, so an upstream release that breaks
# the package shows up within a day; the lock here stays as it is.
LATEST_DIR ?= /tmp/langchain-echo-latest
test-latest: | $(PY) ## Tests and lint with every dependency upgraded to its newest release (scratch copy)
	rm -rf $(LATEST_DIR) && mkdir -p $(LATEST_DIR)
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t $(LATEST_DIR)
	cd $(LATEST_DIR) && $(abspath $(UV)) lock --upgrade
	@cd $(LATEST_DIR) && $(abspath $(UV)) tree --depth 1 --package langchain-echo 2>/dev/null || true
	$(MAKE) -C $(LATEST_DIR) test lint

lint: $(BUILT) $(VENV)/.synced-lint ## cargo fmt/clippy, ruff, mypy, stubtest; uv.lock in step with pyproject
	$(UV) lock --check --quiet
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --all-targets --features python -- -D warnings
	cargo clippy --quiet --all-targets --features abi3 -- -D warnings
	$(VENV)/bin/ruff check python tests benches examples
	$(VENV)/bin/ruff format --check python tests benches examples
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest langchain_echo._core --allowlist stubtest-allowlist.txt

demo: build ## Run the seeds' examples
	$(PY) -m langchain_echo demo

# SOAK_ARGS passes options on, e.g. `make soak SOAK_ARGS="--scale 0.1"`; `--help` lists them.
SOAK_ARGS ?=
soak: $(BUILT) ## Every path for a long while (~17 min): RSS growth, wrong outputs, errors, leaks
	$(PY) -m langchain_echo soak $(SOAK_ARGS)

bench: $(BUILT) $(VENV)/.synced-bench ## The main job: every benchmark against its baselines and targets (reports/)
	$(PY) -m langchain_echo bench --out reports --plot reports/bench.png

bench-quick: $(BUILT) $(VENV)/.synced-bench ## The same, shorter: about a minute
	$(PY) -m langchain_echo bench --quick --out reports

bench-pytest: $(BUILT) $(VENV)/.synced-bench ## The benchmarks under pytest-benchmark (benches/)
	$(PY) -m pytest benches --benchmark-enable --benchmark-columns=min,median,mean,rounds

# Mutation testing (docs/MUTANTS.md). mutmut knows the `./`, `src/` and `source/` layouts only, so
# it runs in a staging tree where `src` links to python/ and `tests` to tests/; [tool.mutmut] in
# pyproject.toml names the two modules and the tests that cover them. Its results (mutants/ there)
# are kept between runs: an unchanged function's mutants are not run again. MUTANTS_JOBS: workers.
# Then cargo-mutants over the pure Rust core (no `python` feature; rust/python/, the test support
# and build.rs left out), pinned: the first run installs it into target/tools (`cargo install
# --locked`, a few minutes), later runs use that binary. The `mutants` profile (Cargo.toml) builds
# the tests at opt-level 1. Its results: target/mutants.out/ (missed.txt, caught.txt...).
MUTANTS_DIR := target/mutmut
MUTANTS_JOBS ?= 2
CARGO_MUTANTS_VERSION := 27.1.0
CARGO_MUTANTS_ROOT := target/tools/cargo-mutants-$(CARGO_MUTANTS_VERSION)
mutants: $(BUILT) $(VENV)/.synced-mutation ## Mutation testing: mutmut (_pipeline.py, shape.py), then cargo-mutants (rust/)
	mkdir -p $(MUTANTS_DIR)
	ln -sfn $(abspath python) $(MUTANTS_DIR)/src
	ln -sfn $(abspath tests) $(MUTANTS_DIR)/tests
	ln -sfn $(abspath pyproject.toml) $(MUTANTS_DIR)/pyproject.toml
	@# Its spinner lines, redrawn in place, are left out; the counts per file follow.
	cd $(MUTANTS_DIR) && set -o pipefail && $(abspath $(VENV))/bin/mutmut run \
		--max-children $(MUTANTS_JOBS) | tr '\r' '\n' \
		| { LC_ALL=C grep -av '^[^ a-zA-Z0-9]\{1,3\} ' || true; }
	@cd $(MUTANTS_DIR) && $(abspath $(VENV))/bin/mutmut results --all true | awk -F': ' \
		'{ k = $$1; sub(/^ +/, "", k); sub(/__mutmut_.*/, "", k); sub(/\.[^.]*$$/, "", k); \
		n[k] += 1; c[k, $$2] += 1; s[$$2] = 1 } \
		END { for (m in n) { printf "%s: %d mutants", m, n[m]; \
		for (t in s) if (c[m, t]) printf ", %s %d", t, c[m, t]; print "" } }'
	test -x $(CARGO_MUTANTS_ROOT)/bin/cargo-mutants || cargo install cargo-mutants --locked \
		--version $(CARGO_MUTANTS_VERSION) --root $(CARGO_MUTANTS_ROOT)
	@# It exits 2 when a mutant survived, 3 when one timed out (a hang the tests stop): the run
	@# fails only on a survivor that docs/mutants-rust-equivalent.txt does not list.
	PATH=$(abspath $(CARGO_MUTANTS_ROOT))/bin:$$PATH cargo mutants --output target --profile mutants \
		--jobs $(MUTANTS_JOBS) --timeout 30 --exclude 'rust/python/**' \
		--exclude rust/test_support.rs --exclude rust/build.rs; \
		status=$$?; [ $$status -eq 0 ] || [ $$status -eq 2 ] || [ $$status -eq 3 ] || exit $$status
	@unexplained=$$(grep -vxF -f docs/mutants-rust-equivalent.txt target/mutants.out/missed.txt); \
	if [ -n "$$unexplained" ]; then \
		echo "cargo-mutants: survivors not in docs/mutants-rust-equivalent.txt:"; \
		echo "$$unexplained"; exit 1; \
	else echo "cargo-mutants: every survivor is a recorded equivalent (docs/MUTANTS.md)"; fi

# Release artifacts, into dist/. The wheel is built in a target dir of its own, so it never races a
# `make build` (maturin develop) in the same tree for target/maturin, nor rebuilds that one's cache.
DIST ?= dist
WHEEL_TARGET := target/wheel
ACTIONLINT ?= actionlint

.PHONY: sdist wheel wheel-check wheel-smoke

sdist: $(VENV)/.synced-build ## Build the source distribution into dist/
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

wheel-check: wheel $(VENV)/.synced-release ## twine check --strict, abi3audit, the artifacts' contents, the workflows
	$(VENV)/bin/twine check --strict $(DIST)/langchain_echo-*
	$(VENV)/bin/abi3audit --strict --summary $(DIST)/langchain_echo-*-abi3-*.whl
	$(PY) scripts/check_dist.py $(DIST)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	@if command -v $(ACTIONLINT) >/dev/null; then echo "$(ACTIONLINT)"; $(ACTIONLINT); \
	else echo "actionlint: not on PATH here, skipped (CI's workflows job runs it)"; fi

# The README's agent example also needs `langchain`, at the version uv.lock pins.
wheel-smoke: wheel ## Install the wheel with no cargo/rustc on PATH, the sdist with them; run README + demo
	UV=$(UV) SMOKE_WITH="$$($(UV) export --locked --no-hashes --no-header --no-annotate \
		--only-group test --no-emit-project | grep -E '^langchain==')" \
		bash scripts/wheel-smoke.sh $(DIST)

clean: ## Remove build products and the venv
	rm -rf target $(VENV) $(LOWEST) dist
