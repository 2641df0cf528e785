"""README stays true: every setting is in its configuration table, and the set-up commands it gives are the
ones the Makefile and CI run. (The curl examples run for real in tests/zeroconfig/test_readme_examples.py.)"""

import re
from pathlib import Path

from semcache.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [f.alias for f in Settings.model_fields.values() if f"| `{f.alias}` |" not in README]
    assert missing == []


def test_the_quick_start_commands_are_the_makefile_targets_ci_runs() -> None:
    quick_start = README.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", quick_start, re.S)
    assert block is not None
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    assert {"run", "test", "lint", "typecheck"} <= targets
    ci = [line.split("#", 1)[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert {"make lint", "make typecheck", "make test"} <= set(ci)
