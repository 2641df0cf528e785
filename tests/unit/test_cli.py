"""The `semcache` command's own parsing: repository tools (bench, loadtest) are run as `python -m` from the
repository root, never imported by editing sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from semcache.cli import REPOSITORY_TOOLS, address_sources, build_parser, main
from semcache.config import Settings


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


def test_serve_says_where_its_host_and_port_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "8799")
    settings = Settings(_env_file=None)
    said = address_sources({"HOST": None, "PORT": None}, settings)
    assert said == "host from the default, port from PORT in the environment"
    flags: dict[str, object] = {"HOST": "0.0.0.0", "PORT": 9000}
    said = address_sources(flags, Settings(_env_file=None, **flags))  # type: ignore[arg-type]  # aliases as names
    assert said == "host from --host, port from --port"


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("CACHE_VERIFY_MODEL_PATH", "nowhere.json", "CACHE_VERIFY_MODEL_PATH: cannot read nowhere.json"),
        ("CACHE_VERIFY_GUARDS", "negation,bogus", "CACHE_VERIFY_GUARDS: unknown guard 'bogus'"),
    ],
)
def test_serve_refuses_a_verifier_it_cannot_build_in_one_line(
    name: str, value: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2  # before anything starts: no Redis, no model, no port
    assert capsys.readouterr().err.startswith(f"semcache: {said}")


def test_eval_refuses_a_labels_file_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    assert main(["eval", str(tmp_path), "--labels", "nowhere.jsonl"]) == 2  # before Redis or a model starts
    assert capsys.readouterr().err.strip() == "semcache eval: no such labels file: nowhere.jsonl"
