"""README stays true: every setting is in its configuration table, and the two set-up commands are there."""

from pathlib import Path

from semcache.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [f.alias for f in Settings.model_fields.values() if f"| `{f.alias}` |" not in README]
    assert missing == []


def test_the_two_setup_commands_are_named() -> None:
    assert "make run" in README and "make test" in README
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "make test" in ci
