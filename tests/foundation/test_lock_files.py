"""The lock files are in step with the top-level lists they are made from (`make lock`).

requirements/base.txt and dev.txt name the top-level pins; base.lock and dev.lock pin every
package with hashes, and installs use only the locks. An edit to a list without `make lock`
fails here, before an install could quietly ignore it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements"
LISTS = {"base.lock": ["base.txt"], "dev.lock": ["base.txt", "dev.txt"]}
MAKE_LOCK = "run `make lock` and commit the lock files with the list"


def top_level_pins(name: str) -> dict[str, str]:
    """{package: version} of a list's own `name==version` lines (not the lists it includes)."""
    pins = {}
    for line in (REQUIREMENTS / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            [specifier] = requirement.specifier
            assert specifier.operator == "==", f"{name}: {line} is not an exact pin"
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def locked(name: str) -> dict[str, list[tuple[str, int]]]:
    """{package: [(version, hash count)]}: a package may be locked once per marker fork."""
    entries: dict[str, list[tuple[str, int]]] = {}
    current: list | None = None
    for line in (REQUIREMENTS / name).read_text().splitlines():
        if line.startswith((" ", "\t")):
            if current is not None and line.strip().startswith("--hash=sha256:"):
                current[1] += 1
            continue
        if not line.strip() or line.startswith("#"):
            continue
        requirement = Requirement(line.rstrip("\\ "))
        [specifier] = requirement.specifier
        current = [specifier.version, 0]
        entries.setdefault(canonicalize_name(requirement.name), []).append(current)
    return {package: [tuple(entry) for entry in found] for package, found in entries.items()}


@pytest.mark.parametrize(("lock", "lists"), LISTS.items())
def test_every_top_level_pin_is_locked_at_its_version(lock, lists):
    versions = {package: {v for v, _ in found} for package, found in locked(lock).items()}
    for list_name in lists:
        for package, version in top_level_pins(list_name).items():
            assert versions.get(package) == {version}, (
                f"{list_name} pins {package}=={version}, {lock} has "
                f"{sorted(versions.get(package, ()))}: {MAKE_LOCK}"
            )


@pytest.mark.parametrize("lock", LISTS)
def test_every_locked_package_has_hashes(lock):
    unhashed = [package for package, found in locked(lock).items() if any(n == 0 for _, n in found)]
    assert unhashed == [], f"{lock}: no hashes for {unhashed}: {MAKE_LOCK}"


def test_the_development_lock_holds_the_runtime_packages_at_the_runtime_versions():
    runtime, development = locked("base.lock"), locked("dev.lock")
    differing = {
        package: (found, development.get(package))
        for package, found in runtime.items()
        if [v for v, _ in found] != [v for v, _ in development.get(package, [])]
    }
    assert differing == {}, f"tests would not run what the image runs: {MAKE_LOCK}"
