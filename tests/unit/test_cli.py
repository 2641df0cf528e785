"""The `semcache` command's own parsing: repository tools (bench, loadtest) are run as `python -m` from the
repository root, never imported by editing sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from semcache.cli import REPOSITORY_TOOLS, build_parser, main


def test_every_subcommand_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    listed = capsys.readouterr().out
    for name in ("serve", "redis", "llm", "eval", "calibrate", "import", "export", *REPOSITORY_TOOLS):
        assert f"    {name} " in listed, name


@pytest.mark.parametrize("tool", sorted(REPOSITORY_TOOLS))
def test_a_repository_tool_outside_the_repository_says_where_to_run_it(
    tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    path_before = list(sys.path)
    assert main([tool, "--help"]) == 2
    assert "run it from the repository root" in capsys.readouterr().err
    assert sys.path == path_before
