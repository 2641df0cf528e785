"""bench/data.py finds ../shared/data relative to the repository (also from a git worktree) and never
falls back to synthetic prompts quietly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import data
from bench.data import SharedDataMissing, data_dir, load_corpus, shared_dir
from tests.support.shared import require_shared


def test_shared_is_found_beside_the_repository(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert shared_dir(tmp_path / "repo") == tmp_path / "shared"
    assert data_dir(tmp_path / "repo") == tmp_path / "shared" / "data"


def test_a_worktree_finds_the_shared_folder_of_its_main_checkout(tmp_path: Path) -> None:
    main, tree = tmp_path / "main", tmp_path / "trees" / "mine"
    (main / ".git" / "worktrees" / "mine").mkdir(parents=True)
    tree.mkdir(parents=True)
    (tree / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'mine'}\n")
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert shared_dir(tree) == tmp_path / "shared"


def test_missing_data_names_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    with pytest.raises(SharedDataMissing, match=str(tmp_path / "shared" / "data")):
        data_dir(tmp_path / "repo")


def test_without_the_data_it_warns_loudly_or_fails_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(data, "REPO", tmp_path / "lonely" / "repo")
    monkeypatch.delenv("CI", raising=False)
    corpus = load_corpus(100)
    assert corpus.source == "synthetic" and len(corpus.entries) == 100
    assert "WARNING" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    with pytest.raises(SharedDataMissing):
        load_corpus(100)


def test_the_real_corpus_comes_from_the_shared_data() -> None:
    require_shared("data")
    corpus = load_corpus(1000)
    assert corpus.source.endswith("data") and len(corpus.entries) == 1000 and corpus.pairs
