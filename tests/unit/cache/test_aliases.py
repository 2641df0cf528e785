"""cache/aliases.py's pure parts: which aliases a KNN reply offers, which still point at their entry, and how
they rank beside the entries found by their own vectors."""

from __future__ import annotations

import numpy as np

from semcache.cache.aliases import AliasPointer, alias_fields, alias_spec, merge, pointers, resolve
from semcache.cache.codec import RETURN_FIELDS
from semcache.cache.models import Candidate, Entry
from semcache.cache.query import DISTANCE_ALIAS
from semcache.cache.schema import IndexSpec

SPEC = IndexSpec(prefix="p", fingerprint="fp", dims=4)


def entry(entry_id: str) -> Entry:
    return Entry(entry_id, "prompt", "prompt", "answer", {"tenant": "t"}, 100.0)


def test_the_alias_index_is_beside_the_entries_never_under_their_prefix() -> None:
    spec = alias_spec(SPEC)
    assert spec.name != SPEC.name and not spec.key_prefix.startswith(SPEC.key_prefix)
    assert spec.create_args()[1] == spec.name and spec.scope_fields == SPEC.scope_fields


def test_pointers_keep_the_near_and_current_aliases() -> None:
    def row(of: str, gen: int, distance: float) -> list[object]:
        return [b"prompt", b"alias " + of.encode(), b"of", of.encode(), b"of_created", b"100.0", b"gen", str(gen),
                DISTANCE_ALIAS.encode(), str(distance).encode()]  # fmt: skip

    raw = [4, b"k1", row("e1", 2, 0.01), b"k2", row("e2", 1, 0.01), b"k3", row("e3", 2, 0.3), b"k4", []]
    assert pointers(raw, generation=2, within=0.1) == [AliasPointer("alias e1", "e1", "100.0", 0.01)]


def test_an_alias_resolves_only_to_the_entry_it_was_made_for() -> None:
    fields = dict.fromkeys(RETURN_FIELDS, None) | {"prompt": b"p", "response": b"a", "created_at": b"100.0",
                                                   "gen": b"2", "scope_json": b"{}"}  # fmt: skip
    row = [fields[f] for f in RETURN_FIELDS]
    found = [AliasPointer("alias", "e1", "100.0", 0.02)]
    [candidate] = resolve(found, [row], generation=2, min_created_at=None)
    assert (candidate.entry.id, candidate.via, candidate.prompt, candidate.distance) == ("e1", "alias", "alias", 0.02)
    assert resolve([AliasPointer("alias", "e1", "99.0", 0.02)], [row], 2, None) == []  # overwritten
    assert resolve(found, [row], 3, None) == []  # invalidated
    assert resolve(found, [row], 2, 150.0) == []  # older than the request's max age
    assert resolve(found, [[None] * len(RETURN_FIELDS)], 2, None) == []  # deleted or expired


def test_merge_ranks_each_entry_once_at_its_nearest_vector_alias_first_on_a_tie() -> None:
    own = [Candidate(entry("e1"), 0.1), Candidate(entry("e2"), 0.2)]
    aliased = [Candidate(entry("e2"), 0.05, via="a2"), Candidate(entry("e3"), 0.1, via="a3")]
    merged = merge(own, aliased, k=3)
    assert [(c.entry.id, c.via) for c in merged] == [("e2", "a2"), ("e3", "a3"), ("e1", None)]
    assert len(merge(own, aliased, k=2)) == 2


def test_alias_fields_carry_the_scope_tags_and_the_pointer() -> None:
    v = np.ones(4, dtype=np.float32)
    fields = alias_fields("Q", "q", v, {"tenant": "t"}, entry_id="e1", of_created="100.0", generation="3",
                          created_at=100.0, scope_fields=("tenant", "namespace"))  # fmt: skip
    assert (fields["of"], fields["gen"], fields["tenant"], fields["namespace"]) == ("e1", "3", "t", "_")
