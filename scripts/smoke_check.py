"""Checks an installed langchain-echo from the inside: run by the environment's own interpreter.

What a user of a wheel gets: the package comes from site-packages (not a source tree), with its
extension, stubs and ``py.typed``; the README's Python blocks run (found as ``tests/test_readme.py``
finds them); the seeds' examples run (``python -m langchain_echo demo``, and the
``langchain-echo`` command). On a free-threaded interpreter the extension must leave the GIL off
(the module is declared ``gil_used = false``); elsewhere it is the abi3 build or the one for this
CPython (which reads a str in place), named as such.

Usage: python -I scripts/smoke_check.py --readme README.md [--version X.Y.Z]
(``-I``: neither the current folder nor the script's is put on ``sys.path``.)
Prints PASS lines; any failure is an exception, so a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path


def check_install(version: str | None) -> str:
    """Checks where and what the imported package is; returns a one-line description."""
    import langchain_echo
    from langchain_echo import _core

    package = Path(langchain_echo.__file__).resolve().parent
    site = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    assert package.parent in site, f"langchain_echo comes from {package}, not from {site}"
    assert Path(_core.__file__).resolve().parent == package, _core.__file__
    for name in ("py.typed", "_core.pyi"):
        assert (package / name).is_file(), f"{name} is not installed in {package}"
    if version is not None:
        assert langchain_echo.__version__ == version, (langchain_echo.__version__, version)

    extension = Path(_core.__file__).name
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        check_gil_stays_off()
        flavour = "free-threaded; loaded alone, it leaves the GIL off"
    else:
        own = sysconfig.get_config_var("EXT_SUFFIX") or ""
        if ".abi3." in extension:
            flavour = "abi3"
        else:
            assert os.name == "nt" or extension.endswith(own), f"{extension}: not abi3, not {own}"
            flavour = "this CPython's own build, reads str in place"
    return f"{extension} ({flavour}) from {package.parent}, version {langchain_echo.__version__}"


# Loads the extension on its own, in a fresh interpreter, and prints whether the GIL is on: the
# package's dependencies (imported by its __init__) may turn it on for reasons of their own.
GIL_PROBE = """
import importlib.machinery, importlib.util, pathlib, sys
folder = pathlib.Path(importlib.util.find_spec("langchain_echo").submodule_search_locations[0])
[path] = [p for s in importlib.machinery.EXTENSION_SUFFIXES for p in folder.glob("_core" + s)]
loader = importlib.machinery.ExtensionFileLoader("langchain_echo._core", str(path))
spec = importlib.util.spec_from_file_location("langchain_echo._core", path, loader=loader)
loader.exec_module(importlib.util.module_from_spec(spec))
print(sys._is_gil_enabled())
"""


def check_gil_stays_off() -> None:
    """On a free-threaded interpreter, loading the extension must not turn the GIL on."""
    argv = [sys.executable, "-I", "-c", GIL_PROBE]  # -I: PYTHON_GIL is ignored too
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False", f"loading _core turned the GIL on: {done.stderr}"


def run_readme(readme: Path) -> int:
    """Runs every Python block of the README; returns how many there were."""
    text = readme.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4, f"only {len(blocks)} python blocks in {readme}"
    for index, source in enumerate(blocks):
        try:
            exec(compile(source, f"{readme} block {index}", "exec"), {"__name__": "readme"})
        except Exception as error:
            raise AssertionError(f"README block {index} failed: {error!r}") from error
    return len(blocks)


def run_demo() -> int:
    """Runs the seeds' examples, as a module and as the console script; returns the line count."""
    scripts = Path(sysconfig.get_paths()["scripts"])
    command = shutil.which("langchain-echo", path=str(scripts))
    assert command is not None, f"no langchain-echo command in {scripts}"
    outputs = []
    for argv in ([sys.executable, "-I", "-m", "langchain_echo", "demo"], [command, "demo"]):
        done = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            raise AssertionError(f"{' '.join(argv)} exited with {done.returncode}")
        assert done.stdout.strip(), f"{' '.join(argv)} printed nothing"
        outputs.append(done.stdout)  # run ids differ between runs: only the sizes are compared
    lines = [len(output.splitlines()) for output in outputs]
    assert lines[0] == lines[1], f"the module and the command printed {lines} lines"
    return lines[0]


def main() -> None:
    """Runs the checks and prints a PASS line for each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, required=True)
    parser.add_argument("--version", help="the version the installed package must report")
    args = parser.parse_args()
    python = f"{sys.implementation.name} {sys.version.split()[0]}"
    print(f"PASS import [{python}]: {check_install(args.version)}")
    print(f"PASS README [{python}]: {run_readme(args.readme)} python blocks ran")
    lines = run_demo()
    print(f"PASS demo [{python}]: {lines} lines from python -m langchain_echo demo and the command")


if __name__ == "__main__":
    main()
