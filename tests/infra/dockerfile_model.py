"""Just enough Dockerfile parsing for the checks: instructions with continuation lines joined."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.infra.app_settings import REPO_ROOT

DOCKERFILE = REPO_ROOT / "backend" / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    stage: int  # index of the FROM this instruction belongs to


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    found: list[Instruction] = []
    stage = -1
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        found.append(Instruction(keyword.upper(), args.strip(), stage))
    return found


def env_names(path: Path = DOCKERFILE) -> set[str]:
    """Names set by ENV (KEY=value form, several per instruction)."""
    names: set[str] = set()
    for ins in instructions(path):
        if ins.keyword == "ENV":
            names |= {pair.split("=", 1)[0] for pair in ins.args.split() if "=" in pair}
    return names


def exec_form(args: str) -> list[str] | None:
    """The JSON array of an exec-form CMD/HEALTHCHECK CMD, or None for shell form."""
    start = args.find("[")
    if start < 0:
        return None
    try:
        value = json.loads(args[start:])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None
