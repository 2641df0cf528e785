"""Pure: one file's lookups as arrays, so a setting (threshold, guards, model cut-off) scores in one pass.

Only the nearest candidate matters: the verifier serves the nearest or nothing (CACHE_VERIFY_NEAREST_ONLY),
and the static baseline serves the nearest within the threshold. So each non-exact row keeps its nearest
candidate's distance, whether that answer is right, the pair features and each guard's verdict.
`metrics` then equals `metrics.score` with the verifier those settings build (the unit tests check it).

A conversation key's nearest can be judged four ways (`VIEWS`), so `semcache eval --cv files` measures
whether the pair model should read chats too: by the history rule alone, as the service does
(`verify/context.py`); by the pair model and guards over the whole keys, history included, as one text;
by the pair model over the last user turns alone; or by the model over those turns, then the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from semcache.calibration.metrics import Metrics, Observed
from semcache.verify.context import is_conversation, turns
from semcache.verify.features import NAMES, vector
from semcache.verify.guards import ALL, split
from semcache.verify.verifier import conversation_verifier, parse_guards

__all__ = ["VIEWS", "Bools", "Floats", "Table", "build", "metrics", "served_mask", "static_curve"]

Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
#: A candidate nearer than nothing: rows with no candidate are never served.
_FAR = 3.0
#: How conversation keys are judged: the service's history rule; the model over the whole keys (it sees
#: the history); the model over the last user turns alone (it does not); those turns, then the rule.
VIEWS = ("rule", "whole", "question", "question_and_rule")


@dataclass(frozen=True)
class Table:
    name: str
    has_negatives: bool
    exact: int  # rows served by the exact path at every setting, counted apart
    same: Bools  # per non-exact row: the label
    distance: Floats  # the nearest candidate's cosine distance (_FAR: none)
    right: Bools  # serving the nearest is right
    x: Floats  # (rows, len(NAMES)) pair features of the nearest
    refuses: dict[str, Bools]  # guard name -> it refuses the nearest (entity, swap gated as shipped)
    conversation: Bools
    conversation_ok: Bools  # the conversation rule (guards on the questions, then the history) passes
    #: How conversation rows are judged (`VIEWS`): under "question_and_rule" the model's cut-off and the
    #: kept guards judge them too (their `x`, `refuses` are the last user turns'); under "question" those
    #: alone ("whole": the whole keys'), as single prompts, so no row is flagged a conversation.
    view: str = "rule"

    @property
    def similarity(self) -> Floats:
        return 1.0 - self.distance


#: The reader's logit where a row's nearest was not read (should not happen inside the band): a refusal.
_UNREAD = -20.0


def build(name: str, observed: Sequence[Observed], *, has_negatives: bool, max_edit: int = 1,
          reads: bool = False, view: str = "rule") -> Table:  # fmt: skip
    """`reads`: the pair features end with the reader's logit of the nearest (`features.READER`).
    `view`: how conversation keys are judged (`VIEWS`)."""
    if view not in VIEWS:
        raise ValueError(f"unknown conversation view {view!r}; known: {', '.join(VIEWS)}")
    rows = [o for o in observed if o.exact is None]
    guards = {g: parse_guards(g, max_edit=max_edit)[0] for g in ALL}
    conv = conversation_verifier(max_edit=max_edit)
    n = len(rows)
    distance, right = np.full(n, _FAR), np.zeros(n, dtype=bool)
    x = np.zeros((n, len(NAMES) + int(reads)))
    refuses = {g: np.zeros(n, dtype=bool) for g in ALL}
    conversation, conversation_ok = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for i, o in enumerate(rows):
        if not o.candidates:
            continue
        c = o.candidates[0]
        distance[i], right[i] = c.distance, c.entry.id in o.right_ids
        query, prompt = o.query, c.entry.prompt
        if view != "whole" and (is_conversation(query) or is_conversation(prompt)):
            conversation[i] = view != "question"
            conversation_ok[i] = conv(query, c, list(o.candidates))
            if view == "rule":
                continue
            query, prompt = turns(query)[1], turns(prompt)[1]
        base = vector(query, prompt, c.similarity)
        x[i] = (*base, _UNREAD if c.reader is None else c.reader) if reads else base
        q, p = split(query), split(prompt)
        for g, guard in guards.items():
            refuses[g][i] = guard(q, p) is not None
    same = np.array([o.same for o in rows], dtype=bool)
    exact = len(observed) - n
    return Table(
        name, has_negatives, exact, same, distance, right, x, refuses, conversation, conversation_ok, view=view
    )


def served_mask(t: Table, similarity: float, *, guards: Sequence[str] = (), probs: Floats | None = None,
                min_probability: float = 0.0, verify: bool = True) -> Bools:  # fmt: skip
    """Which rows are served at this setting (verify=False: the threshold alone, the static baseline)."""
    near = t.distance <= 1.0 - similarity
    if not verify:
        return near
    single_ok = np.ones(len(t.same), dtype=bool)
    for g in guards:
        single_ok &= ~t.refuses[g]
    if probs is not None and min_probability > 0.0:
        single_ok &= probs >= min_probability
    conversation_ok = t.conversation_ok & single_ok if t.view == "question_and_rule" else t.conversation_ok
    return near & np.where(t.conversation, conversation_ok, single_ok)


def metrics(t: Table, similarity: float, served: Bools) -> Metrics:
    right = served & t.right
    return Metrics(
        similarity, t.exact, int(t.same.sum()), int((~t.same).sum()), int(served.sum()),
        int((served & t.same).sum()), int(right.sum()), int((right & t.same).sum()),
    )  # fmt: skip


def static_curve(t: Table, thresholds: Sequence[float]) -> list[Metrics]:
    return [metrics(t, s, served_mask(t, s, verify=False)) for s in thresholds]
