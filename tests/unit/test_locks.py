"""The locks in backend/locks agree with what pyproject.toml and the requirement files ask for.

`make lock` rewrites them; this fails when someone adds or narrows a dependency and forgets to."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "backend" / "locks"
PYPROJECT = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text())
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(lock: str) -> dict[str, Version]:
    """name -> version of the entries that apply to this interpreter (markers evaluated)."""
    found: dict[str, Version] = {}
    for line in (LOCKS / lock).read_text().splitlines():
        match = _PIN.match(line)
        if not match:
            continue
        name, version, marker = match.groups()
        if marker is None or Requirement(f"x; {marker}").marker.evaluate():  # type: ignore[union-attr]
            found[canonicalize_name(name)] = Version(version)
    return found


def requirement_lines(path: Path) -> list[str]:
    lines: list[str] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line[3:].strip())
        elif line:
            lines.append(line)
    return lines


def project(*extras: str) -> list[str]:
    optional = PYPROJECT["project"]["optional-dependencies"]
    return [*PYPROJECT["project"]["dependencies"], *(r for e in extras for r in optional[e])]


def assert_locked(requirements: list[str], lock: str) -> None:
    locked = pins(lock)
    problems = []
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{req.name} is not in {lock}")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}{req.specifier} but {lock} pins {version}")
    assert not problems, f"the lock disagrees with its inputs (run `make lock`): {problems}"


ALL_EXTRAS = tuple(PYPROJECT["project"]["optional-dependencies"])


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("run.txt", project("local-llm", "embedded-redis")),
        ("docker.txt", project("azure")),
        ("test.txt", project(*ALL_EXTRAS) + requirement_lines(ROOT / "tests" / "requirements.txt")),
        ("data.txt", requirement_lines(LOCKS / "data.in")),
        ("model.txt", requirement_lines(LOCKS / "model.in")),
        ("build.txt", ["pip", "setuptools", "wheel", *PYPROJECT["build-system"]["requires"]]),
    ],
)
def test_lock_satisfies_its_inputs(lock: str, requirements: list[str]) -> None:
    assert_locked(requirements, lock)


@pytest.mark.parametrize("lock", ["run.txt", "docker.txt"])
def test_one_version_per_package_across_locks(lock: str) -> None:
    superset = pins("test.txt")
    differing = {name: (v, superset.get(name)) for name, v in pins(lock).items() if superset.get(name) != v}
    assert not differing, f"{lock} and test.txt pin different versions: {differing}"


def test_every_pin_is_hash_checked() -> None:
    for lock in ("run.txt", "docker.txt", "test.txt", "data.txt", "model.txt", "build.txt"):
        text = (LOCKS / lock).read_text()
        entries = [line for line in text.splitlines() if _PIN.match(line)]
        assert entries and text.count("--hash=sha256:") >= len(entries), lock


def test_installs_go_through_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "$(LOCKS)/run.txt" in makefile and "$(LOCKS)/test.txt" in makefile
    assert "--require-hashes" in (ROOT / "scripts" / "pip-locked.sh").read_text()
    dockerfile = (ROOT / "backend" / "Dockerfile").read_text()
    assert "locks/docker.txt" in dockerfile and "--require-hashes" in dockerfile
    # No install line may resolve on its own: every `pip install` names a lock or installs with --no-deps.
    for line in (makefile + dockerfile).splitlines():
        if "pip install" in line and "uv==" not in line:
            assert "-r" in line or "--no-deps" in line or "pip-locked.sh" in line, line
