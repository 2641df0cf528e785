"""The verifier the cache runs on candidates that pass the similarity threshold.

Two rules, each kept because `semcache eval` showed it pays (docs/quality.md):
- lexical guards (`guards.py`) refuse a candidate whose prompt differs from the query in a way an
  embedding cannot see: a negation, a number, a date, an antonym, a reversed direction, and (only on
  otherwise near-identical prompts) another named entity or one swapped content word;
- nearest only: if the nearest candidate is refused, nothing is served. Falling through to the second
  candidate served mostly wrong answers: if the closest stored prompt asks something else, a farther one
  rarely asks the same.
"""

from __future__ import annotations

from semcache.cache.models import Candidate
from semcache.cache.semantic import Verifier
from semcache.config import Settings
from semcache.quality.guards import ALL, Guard, check, when_minimal

#: Guards that fire on lexical differences common in paraphrases too, so they run on near-identical prompts only.
GATED = frozenset({"entity", "swap"})


def parse_guards(names: str, *, max_edit: int) -> tuple[Guard, ...]:
    chosen = []
    for name in (n.strip() for n in names.split(",")):
        if not name:
            continue
        if name not in ALL:
            raise ValueError(f"CACHE_VERIFY_GUARDS: unknown guard {name!r}; known: {', '.join(ALL)}")
        chosen.append(when_minimal(ALL[name], max_edit) if name in GATED else ALL[name])
    return tuple(chosen)


def make_verifier(guards: tuple[Guard, ...], *, nearest_only: bool) -> Verifier:
    def verify(prompt: str, candidate: Candidate, candidates: list[Candidate]) -> bool:
        if nearest_only and candidates and candidate is not candidates[0]:
            return False
        return check(prompt, candidate.entry.prompt, guards) is None

    return verify


def build_verifier(settings: Settings) -> Verifier | None:
    """The verifier the settings ask for (None: the threshold alone decides)."""
    if not settings.cache_verify:
        return None
    guards = parse_guards(settings.cache_verify_guards, max_edit=settings.cache_verify_max_edit)
    return make_verifier(guards, nearest_only=settings.cache_verify_nearest_only)
