"""Pure: what the pair model sees of a (query, cached prompt) pair besides their cosine similarity.

An embedding averages over tokens, so a pair differing in one slot ("France"/"Germany", "cancel"/"don't
cancel", "EUR to USD"/"USD to EUR") scores as high as a paraphrase. The features describe the words that
differ: the guards' signals (each one 0/1, never a refusal by itself here) and how much content differs.
The model (`model.py`) weighs them against the similarity; the weights come from labelled data
(`semcache eval --cv files --fit-out`), so no hand-set rule decides alone.
"""

from __future__ import annotations

from semcache.verify.guards import Words, antonym, calendar, direction, edit_size, entity, negation, number, split, swap

__all__ = ["NAMES", "READER", "vector"]

#: The similarity enters centred and scaled to the band the model decides in (0.85 -> -1, 0.95 -> +1):
#: raw, its useful range is 0.1 wide, so the L2 penalty kept its weight too small for the model ever to
#: be sure (no probability above 0.95 on any file), which left CACHE_MAX_ERROR nothing to serve.
SIMILARITY_CENTRE, SIMILARITY_SCALE = 0.90, 0.05

#: Feature names, in the order of the vector (the model file stores its weights in this order).
NAMES = (
    "similarity_z", "negation", "number", "date", "antonym", "direction", "entity", "entity_minimal",
    "swap", "edit_1", "edit_2", "edit_3plus", "unmatched", "content_overlap", "short",
)  # fmt: skip


#: The second stage's logit (verify/reader.py), a feature after NAMES when the pair model reads it.
READER = "reader"


def _content_overlap(q: Words, c: Words) -> float:
    union = q.content | c.content
    return len(q.content & c.content) / len(union) if union else 1.0


def _unmatched(q: Words, c: Words) -> float:
    """Share of the content words of the longer side with no counterpart on the other (by stem)."""
    cq, cc = q.content, c.content
    longest = max(len(cq), len(cc))
    return max(len(cq - cc), len(cc - cq)) / longest if longest else 0.0


def vector(query: str, cached: str, similarity: float) -> tuple[float, ...]:
    """The features of a pair, in `NAMES` order."""
    q, c = split(query), split(cached)
    edit = edit_size(q, c)
    named = entity(q, c) is not None
    return (
        (similarity - SIMILARITY_CENTRE) / SIMILARITY_SCALE,
        float(negation(q, c) is not None),
        float(number(q, c) is not None),
        float(calendar(q, c) is not None),
        float(antonym(q, c) is not None),
        float(direction(q, c) is not None),
        float(named),
        float(named and edit <= 1),
        float(swap(q, c) is not None),
        float(edit == 1),
        float(edit == 2),
        float(edit >= 3),
        _unmatched(q, c),
        _content_overlap(q, c),
        float(min(len(q.content), len(c.content)) <= 2),
    )
