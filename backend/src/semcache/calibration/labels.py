"""Pure: which stored prompts a query may rightly be answered from, by the labels of one file.

The issue's rule ("right only if it returns the answer of its own `a` and `same` is true") is exact for
one pair alone, but an eval stores every `a` of a file in one cache, and data sets reuse sentences: in
banking77 most `b` are also some other row's `a`, so a literal reading calls a verbatim copy of the
question a wrong answer. So a served prompt is right when the labels say it asks the same as the query:
the same text, or linked to it by `same` pairs (directly, or through a chain of them), unless a pair
labels exactly these two as different. Where a file's meta gives each sentence a class (banking77's
intents), two prompts of known class are the same exactly when their classes are. Anything the labels do
not link is wrong, so unlabelled near-duplicates count against the cache, never for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from semcache.calibration.pairs import Pair
from semcache.normalize import normalize_text

__all__ = ["Equivalence"]


class Equivalence:
    def __init__(self, pairs: Sequence[Pair]) -> None:
        self._parent: dict[str, str] = {}
        self._different: set[tuple[str, str]] = set()
        self._class: dict[str, str] = {}
        for p in pairs:
            a, b = normalize_text(p.a), normalize_text(p.b)
            if p.class_a is not None and p.class_b is not None:
                self._class[a], self._class[b] = p.class_a, p.class_b
            if p.same:
                self._union(a, b)
            else:
                self._different.add((a, b))
                self._different.add((b, a))

    def _find(self, x: str) -> str:
        root = x
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while x != root:  # path compression keeps chains short on large files
            self._parent[x], x = root, self._parent[x]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def same(self, query: str, stored: str) -> bool:
        """May the answer stored for `stored` be served for `query`? (both raw prompts)"""
        q, s = normalize_text(query), normalize_text(stored)
        if q == s:
            return True
        if q in self._class and s in self._class:
            return self._class[q] == self._class[s]
        if (q, s) in self._different:
            return False
        return self._find(q) == self._find(s)
