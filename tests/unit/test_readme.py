"""The README is a front door and docs/ holds the rest: every setting has its row in docs/configuration.md, the
set-up commands the README gives are the ones the Makefile and CI run, the README stays short and links every
page, links resolve, and no two pages say the same paragraph. (The curl examples run for real in
tests/zeroconfig/test_readme_examples.py.)"""

import re
from pathlib import Path

from semcache.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
README_LIMIT = 16_000
#: Shorter paragraphs (a heading, "Tear down", a one-line command) may well be said twice.
MIN_PARAGRAPH = 80
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)\s]*)?\)")
_ANCHORED = re.compile(r"\]\(([^)#\s]*)#([^)\s]+)\)")


def test_every_setting_has_a_row_in_the_configuration_page() -> None:
    missing = [f.alias for f in Settings.model_fields.values() if f"| `{f.alias}` |" not in CONFIGURATION]
    assert missing == []


def test_the_readme_names_only_real_settings() -> None:
    aliases = {f.alias for f in Settings.model_fields.values()}
    table = README.split("## The ten settings people change", 1)[1].split("\n## ", 1)[0]
    named = {
        name
        for row in re.findall(r"^\| (`[A-Z0-9_]+`.*?) \|", table, re.M)
        for name in re.findall(r"`([A-Z0-9_]+)`", row)
    }
    assert named and named <= aliases, named - aliases


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


def test_the_readme_is_a_front_door_that_links_every_page() -> None:
    assert len(README) < README_LIMIT
    linked = {(ROOT / target).resolve() for target in _LINK.findall(README)}
    unlinked = [page.name for page in DOCS if page.resolve() not in linked]
    assert unlinked == []


def test_every_readme_section_links_its_docs_page() -> None:
    sections = re.split(r"^## ", README, flags=re.M)[1:]
    bare = [section.splitlines()[0] for section in sections if "](docs/" not in section]
    assert bare == []


def test_every_relative_link_resolves() -> None:
    broken = [
        f"{page.relative_to(ROOT)}: {target}"
        for page in [ROOT / "README.md", *DOCS]
        for target in _LINK.findall(page.read_text(encoding="utf-8"))
        if not re.match(r"[a-z]+:", target) and not (page.parent / target).exists()
    ]
    assert broken == []


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings (lower case, punctuation dropped, spaces as hyphens)."""
    found, fenced = set(), False
    for line in text.splitlines():
        fenced ^= line.lstrip().startswith("```")
        heading = re.match(r"#{1,6} (.*)", line)
        if heading and not fenced:
            found.add(re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-"))
    return found


def test_every_anchor_names_a_heading() -> None:
    broken = [
        f"{page.relative_to(ROOT)}: {target}#{anchor}"
        for page in [ROOT / "README.md", *DOCS]
        for target, anchor in _ANCHORED.findall(page.read_text(encoding="utf-8"))
        if target.endswith(".md") or not target
        if anchor not in anchors((page.parent / target if target else page).read_text(encoding="utf-8"))
    ]
    assert broken == []


def paragraphs(text: str) -> set[str]:
    """Blank-line separated blocks, whitespace folded, the short ones left out."""
    blocks = (" ".join(block.split()) for block in re.split(r"\n\s*\n", text))
    return {block for block in blocks if len(block) >= MIN_PARAGRAPH}


def test_no_two_pages_repeat_a_paragraph() -> None:
    seen: dict[str, str] = {}
    repeated = []
    for page in DOCS:
        for block in paragraphs(page.read_text(encoding="utf-8")):
            if block in seen:
                repeated.append(f"{seen[block]} and {page.name}: {block[:100]}")
            seen.setdefault(block, page.name)
    assert repeated == []


def test_the_paragraph_check_sees_a_repeat() -> None:
    said = "A paragraph long enough to count as one, said in two places of the documentation, word for word."
    wrapped = said.replace(" two", "\n two")
    assert paragraphs(f"# A\n\n{said}\n\nshort") & paragraphs(f"{wrapped}\n") == {said}
