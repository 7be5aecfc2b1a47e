#!/usr/bin/env bash
# Wheel smoke test: what a user gets from `pip install langchain-echo`, in fresh virtual environments.
#
# 1. The built wheel, installed with `--no-index --find-links DIST` and its dependencies from PyPI,
#    into a venv whose PATH has no cargo or rustc (and whose CARGO_HOME/RUSTUP_HOME are empty), for
#    each interpreter of SMOKE_PYTHONS: langchain-echo may not be built there (`--no-build`).
# 2. The sdist, built and installed from source with the toolchain present.
# In each: scripts/smoke_check.py (the package comes from site-packages with its stubs; the README's
# Python blocks run; `python -m langchain_echo demo`, the seeds' examples, runs); in the wheel's,
# `langchain-echo bench --quick --only P8` too (no bench extra: its baselines show as not installed).
#
# Usage: scripts/wheel-smoke.sh [DIST]    (default dist/; `make wheel-smoke` builds it first)
#   SMOKE_PYTHONS  interpreters for the wheel (default "python3.10 python3": the oldest supported
#                  and the default one; those that are not installed are skipped, one must run)
#   UV             the uv to use (default .venv/bin/uv, else uv on PATH)
#   SMOKE_WITH     requirement lines installed beside the package's own dependencies (the README's
#                  agent example needs `langchain`; `make wheel-smoke` passes uv.lock's pin)
# Prints PASS lines; exits non-zero at the first failure.
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist=$(cd "${1:-$root/dist}" && pwd)
fail() { echo "FAIL wheel-smoke: $*" >&2; exit 1; }
# (-E: also on failures inside functions; a subshell's failure is reported once, by the parent.)
trap '[[ $BASHPID == "$$" ]] && echo "FAIL wheel-smoke: line $LINENO: $BASH_COMMAND" >&2' ERR

uv=${UV:-$root/.venv/bin/uv}
[[ -x $uv ]] || uv=$(command -v uv) || fail "no uv: run 'make venv' or set UV"
uv=$(cd "$(dirname "$uv")" && pwd)/$(basename "$uv")  # absolute: PATH changes below
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

shopt -s nullglob
wheels=("$dist"/langchain_echo-*-abi3-*.whl)
sdists=("$dist"/langchain_echo-*.tar.gz)
shopt -u nullglob
((${#wheels[@]} == 1)) || fail "expected one abi3 wheel in $dist, found ${#wheels[@]}"
((${#sdists[@]} == 1)) || fail "expected one sdist in $dist, found ${#sdists[@]}"
wheel=${wheels[0]} sdist=${sdists[0]}
version=$(basename "$wheel" | cut -d- -f2)
[[ $(basename "$sdist") == "langchain_echo-$version.tar.gz" ]] || fail "$sdist is not version $version"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/langchain-echo-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# PATH without any directory that holds cargo, rustc or rustup; empty homes for any proxy left.
# (Every command run with it is named by its absolute path: /usr/bin itself may be dropped.)
no_rust_path=
IFS=: read -r -a path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
    [[ -n $dir && ! -x $dir/cargo && ! -x $dir/rustc && ! -x $dir/rustup ]] || continue
    no_rust_path=${no_rust_path:+$no_rust_path:}$dir
done
mkdir -p "$tmp/no-rust"
no_rust=(env -u CARGO -u RUSTC -u RUSTUP_TOOLCHAIN -u PYTHONPATH
    CARGO_HOME="$tmp/no-rust" RUSTUP_HOME="$tmp/no-rust")

# A runnable interpreter >= 3.10 for NAME: on PATH, else a pyenv-installed one; empty if none.
find_python() {
    local name=$1 candidate
    for candidate in "$name" "$(pyenv root 2>/dev/null)"/versions/"${name#python}"*/bin/"$name"; do
        if "$candidate" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return
        fi
    done
}

# Installs the dependencies the installed package declares (no extras) from PyPI, then checks it.
install_deps_and_check() {
    local venv=$1; shift
    "$venv/bin/python" -I -c '
import importlib.metadata as m
print("\n".join(r for r in m.requires("langchain-echo") or [] if "extra ==" not in r))
' >"$venv/requirements.txt"
    [[ -z ${SMOKE_WITH:-} ]] || printf '%s\n' "$SMOKE_WITH" >>"$venv/requirements.txt"
    "$@" "$uv" pip install --quiet --python "$venv/bin/python" -r "$venv/requirements.txt"
    "$@" "$uv" pip check --quiet --python "$venv/bin/python"
    (cd "$tmp" && "$@" "$venv/bin/python" -I "$root/scripts/smoke_check.py" \
        --readme "$root/README.md" --version "$version")
}

echo "wheel-smoke: $(basename "$wheel") and $(basename "$sdist"), in $tmp"

# 1. The wheel, with no Rust toolchain.
seen=() ran=0
for name in ${SMOKE_PYTHONS:-python3.10 python3}; do
    python=$(find_python "$name")
    if [[ -z $python ]]; then
        echo "SKIP wheel [$name]: no such interpreter >= 3.10 here"
        continue
    fi
    [[ " ${seen[*]} " == *" $python "* ]] && continue
    seen+=("$python")
    venv=$tmp/wheel-$((ran += 1))
    "$uv" venv --quiet --python "$python" "$venv"
    env_wheel=("${no_rust[@]}" PATH="$venv/bin:$no_rust_path")
    # shellcheck disable=SC2016  # expanded by the inner shell
    "${env_wheel[@]}" "$BASH" -c '! command -v cargo && ! command -v rustc' >/dev/null \
        || fail "cargo or rustc is still on the wheel venv's PATH"
    echo "PASS no toolchain [$name]: command -v cargo and command -v rustc fail"
    "${env_wheel[@]}" "$uv" pip install --quiet --python "$venv/bin/python" --no-index \
        --find-links "$dist" --no-deps --no-build --refresh-package langchain-echo \
        "langchain-echo==$version"
    install_deps_and_check "$venv" "${env_wheel[@]}"
    installed=$("$venv/bin/python" -I -c 'import langchain_echo._core as c; print(c.__file__)')
    echo "PASS wheel [$name]: the wheel pip picked ($(basename "$installed")) installed and ran" \
        "with no cargo or rustc"
    # `langchain-echo bench` without the bench extra: the missing baselines are rows, not a crash.
    bench=$(cd "$tmp" && "${env_wheel[@]}" "$venv/bin/python" -I -m langchain_echo bench --quick \
        --only P8 --out "$tmp/bench-$ran" 2>/dev/null)
    [[ $bench == *"grapheme_slice: not installed (pip install 'langchain-echo[bench]')"* ]] \
        || fail "langchain-echo bench without the bench extra: no 'not installed' row"
    echo "PASS bench [$name]: langchain-echo bench --quick --only P8 ran without the bench extra"
done
((ran > 0)) || fail "no interpreter of SMOKE_PYTHONS (${SMOKE_PYTHONS:-python3.10 python3}) runs"

# 2. The sdist, built from source (fresh: no cached build) with the toolchain on PATH.
command -v cargo >/dev/null || fail "the sdist check needs cargo on PATH"
venv=$tmp/sdist
"$uv" venv --quiet --python "${seen[-1]}" "$venv"
"$uv" pip install --python "$venv/bin/python" --no-deps --no-cache --no-binary langchain-echo \
    "$sdist"
install_deps_and_check "$venv" env -u PYTHONPATH
echo "PASS sdist: $(basename "$sdist") built with $(cargo --version) and ran"

echo "PASS wheel-smoke: the wheel on ${ran} interpreter(s) without a Rust toolchain, the sdist with one"
