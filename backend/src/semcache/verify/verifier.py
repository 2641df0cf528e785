"""The verifier the cache runs on candidates that pass the similarity threshold.

Each part kept because `semcache eval --cv files` showed it pays on files it was not fitted on
(docs/quality.md):
- the pair model (`model.py` over `features.py`): the probability that a single prompt's candidate asks
  the same, from the similarity and the words that differ; served at or above its cut-off;
- lexical guards (`guards.py`) run before it, only those cross-validation keeps on top of the model
  (CACHE_VERIFY_GUARDS): they refuse a candidate whose prompt differs from the query in a way an
  embedding cannot see (a negation, a reversed direction, one swapped content word, ...);
- conversations (`context.py`): the model is not trained on them, so the last user turns must pass every
  guard and the earlier turns must fit:
  a standalone question ignores them, a reply ("yes please") needs the same ones, a follow-up needs the
  same numbers, dates and names in them (`CONTEXT_GUARDS`);
- feedback (`feedback.py`): an entry reported wrong is served only to queries closer than that report;
- CACHE_MAX_ERROR (`bound.py`): instead of the model's cut-off, each entry is served only while the
  estimated chance of a wrong answer (the model's doubt, updated by that entry's own reports) stays
  within the bound;
- nearest only: if the nearest candidate is refused, nothing is served. Falling through to the second
  candidate served mostly wrong answers: if the closest stored prompt asks something else, a farther one
  rarely asks the same.
"""

from __future__ import annotations

from semcache.cache.models import Candidate
from semcache.cache.semantic import Verifier
from semcache.config import Settings
from semcache.verify import feedback
from semcache.verify.bound import decide
from semcache.verify.context import is_conversation, refusal
from semcache.verify.features import vector
from semcache.verify.guards import ALL, Guard, check, when_minimal
from semcache.verify.model import PairModel, load, shipped

__all__ = [
    "CONTEXT_GUARDS",
    "build_verifier",
    "conversation_verifier",
    "learned_only",
    "make_verifier",
    "pair_model",
    "parse_guards",
]

#: Guards that fire on lexical differences common in paraphrases too, so they run on near-identical prompts only.
GATED = frozenset({"entity", "swap"})
#: The guards on the earlier turns of a conversation whose last question is a follow-up: the slots a
#: near-miss conversation changes. Never gated: a reworded history changes many words, and a changed number
#: or name in it is still a changed request. They run only where CACHE_VERIFY_GUARDS run (CACHE_VERIFY).
#: No `negation`: over a whole history its parity flips with any "don't" in small talk; on
#: fow_cache_conversations it refused 10 right hits and no wrong one (hit 21.7% -> 27.5%, wrong 0%).
CONTEXT_GUARDS = "number,date,entity"


def parse_guards(names: str, *, max_edit: int | None) -> tuple[Guard, ...]:
    """Guard names -> guards; `entity` and `swap` gated to `max_edit` changed words (None: never gated)."""
    chosen = []
    for name in (n.strip() for n in names.split(",")):
        if not name:
            continue
        if name not in ALL:
            raise ValueError(f"CACHE_VERIFY_GUARDS: unknown guard {name!r}; known: {', '.join(ALL)}")
        chosen.append(when_minimal(ALL[name], max_edit) if name in GATED and max_edit is not None else ALL[name])
    return tuple(chosen)


def make_verifier(guards: tuple[Guard, ...], *, nearest_only: bool, max_edit: int | None = 1,
                  model: PairModel | None = None, min_probability: float | None = None,
                  max_error: float | None = None) -> Verifier:  # fmt: skip
    """Single prompts: the guards kept, then the pair model's probability against its cut-off, or with
    `max_error` against the entry's error bound. Conversations: every guard on the questions and the
    history rule (`context.py`); the model has not been trained on them."""
    conversation_guards = parse_guards(",".join(ALL), max_edit=max_edit)
    context = parse_guards(CONTEXT_GUARDS, max_edit=None)
    bar = model.min_probability if model is not None and min_probability is None else min_probability

    def verify(prompt: str, candidate: Candidate, candidates: list[Candidate]) -> bool:
        if nearest_only and candidates and candidate is not candidates[0]:
            return False
        if _refused_by_feedback(candidate):
            return False
        cached = candidate.prompt
        if is_conversation(prompt) or is_conversation(cached):
            return refusal(prompt, cached, question_guards=conversation_guards, context_guards=context) is None
        if check(prompt, cached, guards) is not None:
            return False
        if model is None or (bar is None and max_error is None):
            return True
        x = vector(prompt, cached, candidate.similarity)
        if model.reads:
            if candidate.reader is None:
                return False  # fail closed: the second stage did not read it (failed, or not nearest)
            x = (*x, candidate.reader)
        p = model.probability(x)
        if max_error is None:
            return p >= (bar or 0.0)
        seen = feedback.read(candidate.entry.metadata).observations
        return decide(1.0 - p, seen, candidate.similarity, max_error) == "serve"

    return verify


def _refused_by_feedback(candidate: Candidate) -> bool:
    metadata, similarity = candidate.entry.metadata, candidate.similarity
    return feedback.refusal(metadata, similarity, via_alias=candidate.via is not None) is not None


def build_verifier(settings: Settings) -> Verifier | None:
    """The verifier the settings ask for (None: the threshold alone decides)."""
    if not settings.cache_verify:
        return None
    max_edit = settings.cache_verify_max_edit
    guards = parse_guards(settings.cache_verify_guards, max_edit=max_edit)
    # The error bound needs the model's probability as its prior, whatever CACHE_VERIFY_MODEL says.
    bounded = settings.cache_max_error is not None
    model = pair_model(settings) if settings.cache_verify_model or bounded else None
    return make_verifier(guards, nearest_only=settings.cache_verify_nearest_only, max_edit=max_edit,
                         model=model, min_probability=settings.cache_verify_min_probability,
                         max_error=settings.cache_max_error)  # fmt: skip


def pair_model(settings: Settings) -> PairModel:
    """The shipped model, or one's own (CACHE_VERIFY_MODEL_PATH), which must read what the settings read."""
    path = settings.cache_verify_model_path
    if path is None:
        return shipped(reader=settings.reads)
    model = load(path)
    if model.reads != settings.reads:
        wants = "takes" if model.reads else "does not take"
        raise ValueError(
            f"CACHE_VERIFY_MODEL_PATH: {path} {wants} the reader's logit; set CACHE_VERIFY_READER="
            f"{'true' if model.reads else 'false'} with it"
        )
    return model


def learned_only(prompt: str, candidate: Candidate, candidates: list[Candidate]) -> bool:
    """The service's verifier under CACHE_VERIFY=false: no second stage, but an entry reported or audited
    wrong is still not served at or below the similarity of that verdict (`feedback.refusal`)."""
    return not _refused_by_feedback(candidate)


def conversation_verifier(*, max_edit: int | None = 1) -> Verifier:
    """What the verifier does on conversation keys (the same for every guard set and model setting)."""
    return make_verifier((), nearest_only=True, max_edit=max_edit)
