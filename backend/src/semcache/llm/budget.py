"""Reasoning-token budgets of GPT-5 class and o-series models. Pure: no I/O.

For these models `max_completion_tokens` counts the hidden reasoning tokens as well as the visible answer.
A budget sized for the answer alone (LLM_MAX_TOKENS, 256) can be spent on reasoning entirely: the model then
stops with `finish_reason="length"` and no text, and the cache rightly refuses to store it. So a limit the
caller gave as `max_tokens` (the visible answer) is sent as `max_completion_tokens` with room for reasoning
added, sized by the reasoning effort the request runs at.

Which efforts each family accepts, and which it runs at when the request names none, come from OpenAI's API
reference (`reasoning_effort`: "gpt-5.1 defaults to none ... supported values none, low, medium, high; all
models before gpt-5.1 default to medium and do not support none; gpt-5-pro only high; xhigh for models after
gpt-5.1-codex-max") and, for gpt-5.4-mini, from the review in issue 30 against Azure's reasoning page
(`none` and `xhigh` are rejected). A model not listed is not validated (the upstream's 400 then says).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from semcache.config import ReasoningEffort

__all__ = [
    "ALL_EFFORTS",
    "FAMILIES",
    "HEADROOM",
    "MIN_ANSWER_TOKENS",
    "REASONING_FLOOR",
    "UNKNOWN",
    "Family",
    "budget_problem",
    "config_problem",
    "effort_problem",
    "empty_answer_reason",
    "family_for",
    "headroom",
]

ALL_EFFORTS: frozenset[ReasoningEffort] = frozenset({"none", "minimal", "low", "medium", "high", "xhigh"})


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    #: The effort the model runs at when the request names none.
    default_effort: ReasoningEffort
    #: The efforts it accepts; None: not known here (not validated).
    efforts: frozenset[ReasoningEffort] | None


_NO_NONE: frozenset[ReasoningEffort] = frozenset({"low", "medium", "high"})
#: Most specific first: the first pattern that matches the start of the model name decides.
FAMILIES: tuple[tuple[re.Pattern[str], Family], ...] = (
    (re.compile(r"gpt-5\.4-mini"), Family("gpt-5.4-mini", "medium", _NO_NONE)),
    (re.compile(r"gpt-5-pro"), Family("gpt-5-pro", "high", frozenset({"high"}))),
    (re.compile(r"gpt-5\.1-codex-max"), Family("gpt-5.1-codex-max", "none", ALL_EFFORTS - {"minimal"})),
    (re.compile(r"gpt-5\.1"), Family("gpt-5.1", "none", frozenset({"none", "low", "medium", "high"}))),
    (re.compile(r"gpt-5\.[234](?!\d)"), Family("gpt-5.2+", "none", ALL_EFFORTS - {"minimal"})),
    # A later gpt-5.x: its efforts are not known here; budget for the pre-5.1 default.
    (re.compile(r"gpt-5\."), Family("gpt-5.x", "medium", None)),
    (re.compile(r"gpt-5"), Family("gpt-5", "medium", frozenset({"minimal", "low", "medium", "high"}))),
    (re.compile(r"o1|o3|o4|codex-mini"), Family("o-series", "medium", _NO_NONE)),
)
#: A reasoning model known only by a hint or a 400 (a deployment whose name hides the model).
UNKNOWN = Family("reasoning", "medium", None)

#: Completion tokens allowed for reasoning on top of the visible answer, by effort. A cap, not a spend: the
#: model is billed for what it uses. OpenAI's reasoning guide suggests reserving about 25,000 tokens for
#: reasoning and output when experimenting; short cache-sized answers at low effort need far less.
HEADROOM: dict[ReasoningEffort, int] = {
    "none": 0,
    "minimal": 1_024,
    "low": 4_096,
    "medium": 16_384,
    "high": 25_000,
    "xhigh": 32_768,
}
#: Below this much reasoning room a short answer at that effort is likely to come back empty.
REASONING_FLOOR: dict[ReasoningEffort, int] = {
    "none": 0,
    "minimal": 256,
    "low": 1_024,
    "medium": 4_096,
    "high": 8_192,
    "xhigh": 16_384,
}
#: The least visible answer worth asking a reasoning model for.
MIN_ANSWER_TOKENS = 16


def family_for(model: str) -> Family | None:
    """The reasoning family of `model` (a model or deployment name), None when the name says nothing."""
    name = model.lower().rsplit("/", 1)[-1]
    return next((family for pattern, family in FAMILIES if pattern.match(name)), None)


def headroom(effort: ReasoningEffort, reasoning_budget: int | None = None) -> int:
    """Reasoning tokens to add to the visible answer's limit: LLM_REASONING_BUDGET when set, else by effort."""
    return HEADROOM[effort] if reasoning_budget is None else reasoning_budget


def effort_problem(family: Family, effort: ReasoningEffort | None) -> str | None:
    """Why `effort` would be refused by a model of `family` (None: it is accepted or not known)."""
    if effort is None or family.efforts is None or effort in family.efforts:
        return None
    accepted = ", ".join(e for e in HEADROOM if e in family.efforts)
    return f"LLM_REASONING_EFFORT={effort} is not accepted by {family.name} models (accepted: {accepted})"


def budget_problem(*, visible: int, effort: ReasoningEffort, reasoning_budget: int | None) -> str | None:
    """Why a reasoning model configured so would answer empty or cut (None: there is room)."""
    if visible < MIN_ANSWER_TOKENS:
        return f"LLM_MAX_TOKENS={visible} leaves no room for an answer (at least {MIN_ANSWER_TOKENS})"
    room = headroom(effort, reasoning_budget)
    if room < REASONING_FLOOR[effort]:
        return (
            f"LLM_REASONING_BUDGET={room} leaves no room for an answer at reasoning effort {effort}: the model "
            f"can spend it all on reasoning (at least {REASONING_FLOOR[effort]}; or lower LLM_REASONING_EFFORT)"
        )
    return None


def config_problem(
    family: Family, *, effort: ReasoningEffort | None, visible: int, reasoning_budget: int | None
) -> str | None:
    """Why a reasoning model of `family` cannot run as configured (checked at start-up, and by
    tests/infra against what the Bicep template deploys); None when it can."""
    return effort_problem(family, effort) or budget_problem(
        visible=visible, effort=effort or family.default_effort, reasoning_budget=reasoning_budget
    )


def empty_answer_reason(*, completion_tokens: int | None, reasoning_tokens: int | None) -> str:
    """What to tell the user when a reasoning model stopped at its limit before writing anything."""
    spent = f"all {completion_tokens} completion tokens" if completion_tokens else "its whole token budget"
    how = f" ({reasoning_tokens} of them reasoning)" if reasoning_tokens else ""
    return (
        f"empty answer: the model spent {spent} on hidden reasoning{how} before writing any text; "
        "raise max_completion_tokens (LLM_REASONING_BUDGET) or lower the reasoning effort (LLM_REASONING_EFFORT)"
    )
