"""Checks the contents of the release artifacts in a dist folder (``make wheel-check``).

The wheels: one abi3 wheel for CPython >= 3.10 and one for the CPython that built it (which reads
a str in place), each one stripped extension with the stubs, ``py.typed`` and the licence, and
nothing from the source tree besides the package. The sdist: everything a build from
source needs (Cargo manifest and lock file, the Rust sources, the Python package, README, LICENSE)
and nothing compiled. Prints a PASS line per artifact; exits 1 with the problems otherwise.

Usage: python scripts/check_dist.py [DIST]   (default: dist)
"""

from __future__ import annotations

import re
import struct
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "langchain_echo"


def cargo_version() -> str:
    """The package version: ``Cargo.toml`` is its only source."""
    text = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    package = text.split("[package]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', package, flags=re.M)
    if match is None:
        raise SystemExit("FAIL: no version in Cargo.toml's [package]")
    return match.group(1)


def elf_section_names(data: bytes) -> list[str] | None:
    """Section names of a little-endian ELF64 file, or ``None`` for anything else."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    strtab = shoff + shstrndx * shentsize
    names_offset = struct.unpack_from("<Q", data, strtab + 0x18)[0]
    names = []
    for index in range(shnum):
        name_offset = struct.unpack_from("<I", data, shoff + index * shentsize)[0]
        start = names_offset + name_offset
        names.append(data[start : data.index(b"\0", start)].decode("ascii", "replace"))
    return names


def check_wheel(path: Path, version: str, tag: str, extension: str) -> list[str]:
    """Problems with the wheel at ``path``.

    ``tag`` is its tag (``cp310-abi3``, ``cp311-cp311``) and ``extension`` the pattern its
    extension's name must match after ``_core.``.
    """
    problems = []
    match = re.fullmatch(rf"{PACKAGE}-{re.escape(version)}-{tag}-(.+)\.whl", path.name)
    if match is None:
        problems.append(f"{path.name}: expected {PACKAGE}-{version}-{tag}-<platform>.whl")
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        dist_info = f"{PACKAGE}-{version}.dist-info"
        required = [
            f"{PACKAGE}/__init__.py",
            f"{PACKAGE}/py.typed",
            f"{PACKAGE}/_core.pyi",
            f"{dist_info}/METADATA",
            f"{dist_info}/licenses/LICENSE",
        ]
        problems += [f"{path.name}: {name} is missing" for name in required if name not in names]
        extensions = [n for n in names if re.fullmatch(rf"{PACKAGE}/_core\.({extension})", n)]
        if len(extensions) != 1:
            problems.append(f"{path.name}: expected one _core extension, got {extensions}")
        binaries = [n for n in names if n.endswith((".so", ".pyd", ".dylib"))]
        outside = [n for n in names if not n.startswith((f"{PACKAGE}/", f"{dist_info}/"))]
        stray = sorted(set(outside) | set(binaries) - set(extensions))
        if stray:
            problems.append(f"{path.name}: unexpected files {stray}")
        if f"{dist_info}/METADATA" in names:
            metadata = wheel.read(f"{dist_info}/METADATA").decode("utf-8").splitlines()
            for line in ("Requires-Python: >=3.10", "Requires-Dist: langchain-core>=1.0"):
                if line not in metadata:
                    problems.append(f"{path.name}: METADATA lacks {line!r}")
        for name in extensions:
            sections = elf_section_names(wheel.read(name))
            leftovers = [s for s in sections or [] if s == ".symtab" or s.startswith(".debug")]
            if leftovers:
                problems.append(f"{path.name}: {name} is not stripped ({leftovers})")
    return problems


def check_sdist(path: Path, version: str) -> list[str]:
    """Problems with the source distribution at ``path``."""
    problems = []
    if path.name != f"{PACKAGE}-{version}.tar.gz":
        problems.append(f"{path.name}: expected {PACKAGE}-{version}.tar.gz")
    top = f"{PACKAGE}-{version}"
    with tarfile.open(path) as sdist:
        names = {name.removeprefix(f"{top}/") for name in sdist.getnames()}
    required = [
        "PKG-INFO",
        "pyproject.toml",
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "LICENSE",
        "rust/lib.rs",
        "rust/build.rs",
        "rust/python/mod.rs",
        "rust/python/pep393.rs",
        f"python/{PACKAGE}/__init__.py",
        f"python/{PACKAGE}/py.typed",
        f"python/{PACKAGE}/_core.pyi",
    ]
    problems += [f"{path.name}: {name} is missing" for name in required if name not in names]
    unwanted = [
        n
        for n in names
        if n.endswith((".so", ".pyd", ".dylib")) or n.startswith((".github/", ".ci/", "target/"))
    ]
    if unwanted:
        problems.append(f"{path.name}: should not contain {sorted(unwanted)}")
    return problems


def main() -> int:
    """Checks the newest version's artifacts in the dist folder given on the command line."""
    dist = Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
    version = cargo_version()
    py = f"{sys.version_info.major}{sys.version_info.minor}"
    kinds = [
        ("cp310-abi3", r"abi3\.so|pyd", "cp310-abi3"),
        (f"cp{py}-cp{py}", rf"cpython-{py}-.*\.so|cp{py}-.*\.pyd", f"cp{py}, reads str in place"),
    ]
    sdists = sorted(dist.glob(f"{PACKAGE}-{version}.tar.gz"))
    problems = []
    if len(sdists) != 1:
        problems.append(f"{dist}: expected one sdist of version {version}, found {sdists}")
    for tag, extension, what in kinds:
        wheels = sorted(dist.glob(f"{PACKAGE}-{version}-{tag}-*.whl"))
        if len(wheels) != 1:
            problems.append(f"{dist}: expected one {tag} wheel, found {[p.name for p in wheels]}")
        for wheel in wheels:
            found = check_wheel(wheel, version, tag, extension)
            problems += found
            if not found:
                print(f"PASS {wheel.name}: {what}, stripped extension, stubs, py.typed, LICENSE")
    for sdist in sdists:
        found = check_sdist(sdist, version)
        problems += found
        if not found:
            print(f"PASS {sdist.name}: Cargo.toml, Cargo.lock, rust/, python/, README, LICENSE")
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
