"""Pure: error-bounded serving per entry (CACHE_MAX_ERROR), after vCache (arXiv 2502.03771).

One threshold for every entry is a compromise: some entries are safe to serve far from their prompt,
others wrong for the nearest paraphrase. Each entry therefore keeps what was observed when it was
served or compared (`Observation`: the similarity, and whether its answer was right for that query),
and a candidate is served only if the estimated chance that its answer is wrong stays within the
operator's bound.

The estimate is a Beta posterior. The prior is the pair model's own doubt (1 - its probability that the
two prompts ask the same), worth `PRIOR_STRENGTH` observations. An entry's observations count where they
say something about this similarity, assuming that a closer query is never less right than a farther
one (the entry has a threshold of its own; vCache assumes the same):
- a right answer at a similarity at or below this one supports serving here;
- a wrong answer at a similarity at or above this one speaks against it.
So one wrong report raises the entry's effective threshold above that similarity, and right ones let it
serve queries the prior alone doubted. The global threshold still bounds everything: observations never
serve below it, so a client's reports cannot loosen the cache beyond what its operator configured.

`decide` adds exploration: a hit the bound allows is still, with probability `explore_rate`, answered
by the LLM and the two answers compared, so an entry keeps being checked after the prior let it through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["MAX_OBSERVATIONS", "PRIOR_STRENGTH", "Observation", "decide", "estimate", "observations"]

#: How many observations the pair model's prior is worth. Small, so a handful of verdicts on an entry
#: outweigh a prior that was fitted on other data; not tuned on the labelled files.
PRIOR_STRENGTH = 2.0
#: The most observations an entry keeps (the newest): the state stays a few hundred bytes.
MAX_OBSERVATIONS = 32

Decision = Literal["serve", "explore", "miss"]


@dataclass(frozen=True)
class Observation:
    similarity: float
    correct: bool


@dataclass(frozen=True)
class Estimate:
    error: float  # posterior mean chance that serving this entry at this similarity is wrong
    supporting: int  # right observations at or below the similarity
    contradicting: int  # wrong observations at or above it


def estimate(prior_error: float, observations: Iterable[Observation], similarity: float,
             *, strength: float = PRIOR_STRENGTH) -> Estimate:  # fmt: skip
    """The posterior chance of a wrong answer for a query at `similarity` to this entry."""
    prior = min(1.0, max(0.0, prior_error))
    obs = list(observations)
    supporting = sum(1 for o in obs if o.correct and o.similarity <= similarity)
    contradicting = sum(1 for o in obs if not o.correct and o.similarity >= similarity)
    error = (strength * prior + contradicting) / (strength + supporting + contradicting)
    return Estimate(error, supporting, contradicting)


def decide(prior_error: float, observations: Iterable[Observation], similarity: float, max_error: float,
           *, explore_rate: float = 0.0, draw: float = 1.0) -> Decision:  # fmt: skip
    """Serve, explore (answer from the LLM and compare, to learn), or miss. `draw` is a uniform number in
    [0, 1) from the caller, so this stays a function of its arguments."""
    if estimate(prior_error, observations, similarity).error > max_error:
        return "miss"
    return "explore" if draw < explore_rate else "serve"


def observations(raw: object) -> tuple[Observation, ...]:
    """`[[similarity, 1 or 0], ...]` as stored in an entry's feedback state; anything malformed is skipped."""
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw[-MAX_OBSERVATIONS:]:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(v, int | float) for v in item):
            out.append(Observation(float(item[0]), bool(item[1])))
    return tuple(out)
