"""Pure parts of import/export: line parsing and refusal reasons, tenant rules, request batching."""

import pytest

from semcache.schemas.transfer import EntryLine
from semcache.transfer import parse_lines, scope_of
from semcache.transfer_cli import _batches

FIELDS = ("tenant", "namespace", "model", "locale", "params")


def test_every_bad_line_is_refused_with_its_number_and_why() -> None:
    body = "\n".join(
        [
            '{"prompt": "p", "response": "r"}',
            "",
            '{"prompt": "p"}',
            "[1, 2]",
            '{"prompt": "p", "response": "r", "tags": ["a b"]}',
        ]
    )
    good, refused = parse_lines(body)
    assert [p.number for p in good] == [1]
    assert [(r.line, r.reason.split(":")[0]) for r in refused] == [(3, "response"), (4, "line"), (5, "tag 'a b'")]


def test_tenants_import_into_their_own_tenant_only() -> None:
    line = EntryLine(prompt="p", response="r", scope={"namespace": "docs"})
    assert scope_of(line, tenant="acme", is_admin=False, fields=FIELDS) == {"namespace": "docs", "tenant": "acme"}
    foreign = EntryLine(prompt="p", response="r", scope={"tenant": "globex"})
    with pytest.raises(ValueError, match="another tenant"):
        scope_of(foreign, tenant="acme", is_admin=False, fields=FIELDS)
    assert scope_of(foreign, tenant="default", is_admin=True, fields=FIELDS)["tenant"] == "globex"
    with pytest.raises(ValueError, match="color"):
        scope_of(EntryLine(prompt="p", response="r", scope={"color": "red"}), tenant="a", is_admin=True, fields=FIELDS)


def test_batches_respect_lines_and_bytes() -> None:
    lines = ["x" * 10] * 7
    assert [(o, len(b)) for o, b in _batches(lines, 3, 10_000)] == [(0, 3), (3, 3), (6, 1)]
    assert [(o, len(b)) for o, b in _batches(lines, 100, 25)] == [(0, 2), (2, 2), (4, 2), (6, 1)]
    assert _batches(["y" * 50], 100, 10) == [(0, ["y" * 50])]  # a line larger than the budget still goes alone
