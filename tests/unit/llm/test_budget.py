"""semcache.llm.budget: reasoning models get room for reasoning, efforts a model rejects are refused at
start-up, and an answer that came back empty because reasoning used the budget says so."""

from __future__ import annotations

import pytest

from semcache.cache.policy import store_refusal
from semcache.llm.budget import (
    HEADROOM,
    REASONING_FLOOR,
    UNKNOWN,
    budget_problem,
    config_problem,
    effort_problem,
    family_for,
)
from semcache.llm.shared import Answer


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-5.4-mini", "gpt-5.4-mini"),
        ("gpt-5.4", "gpt-5.2+"),
        ("gpt-5.2-chat", "gpt-5.2+"),
        ("gpt-5.1", "gpt-5.1"),
        ("gpt-5-mini", "gpt-5"),
        ("gpt-5-nano", "gpt-5"),
        ("gpt-5-pro", "gpt-5-pro"),
        ("gpt-5.7", "gpt-5.x"),
        ("o4-mini", "o-series"),
        ("azure/GPT-5.4-mini", "gpt-5.4-mini"),
    ],
)
def test_families_by_name(model: str, family: str) -> None:
    found = family_for(model)
    assert found is not None and found.name == family


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4.1-mini", "chat", "llama3"])
def test_other_names_have_no_family(model: str) -> None:
    assert family_for(model) is None


@pytest.mark.parametrize("effort", ["none", "xhigh", "minimal"])
def test_gpt54_mini_refuses_efforts_it_does_not_take(effort: str) -> None:
    family = family_for("gpt-5.4-mini")
    assert family is not None
    problem = effort_problem(family, effort)  # type: ignore[arg-type]
    assert problem is not None and f"LLM_REASONING_EFFORT={effort}" in problem and "low, medium, high" in problem


def test_accepted_and_unknown_efforts_pass() -> None:
    mini, gpt51 = family_for("gpt-5.4-mini"), family_for("gpt-5.1")
    assert mini is not None and gpt51 is not None
    assert effort_problem(mini, "low") is None and effort_problem(gpt51, "none") is None
    assert effort_problem(gpt51, "minimal") is not None
    assert effort_problem(UNKNOWN, "xhigh") is None  # a hidden model is left to the upstream's 400
    assert effort_problem(mini, None) is None


def test_the_defaults_leave_room_at_every_effort() -> None:
    for effort in HEADROOM:
        assert budget_problem(visible=256, effort=effort, reasoning_budget=None) is None
        assert HEADROOM[effort] >= REASONING_FLOOR[effort]


def test_a_budget_without_room_for_an_answer_is_refused() -> None:
    problem = budget_problem(visible=256, effort="low", reasoning_budget=0)
    assert problem is not None and "no room for an answer" in problem and "LLM_REASONING_BUDGET=0" in problem
    assert budget_problem(visible=5, effort="low", reasoning_budget=None) is not None
    assert budget_problem(visible=256, effort="none", reasoning_budget=0) is None


def test_config_problem_uses_the_family_default_effort() -> None:
    mini = family_for("gpt-5.4-mini")
    assert mini is not None
    # gpt-5.4-mini runs at medium unless told otherwise: 1024 is room for low, not for medium.
    assert config_problem(mini, effort=None, visible=256, reasoning_budget=1024) is not None
    assert config_problem(mini, effort="low", visible=256, reasoning_budget=1024) is None
    assert config_problem(mini, effort="xhigh", visible=256, reasoning_budget=None) is not None


def test_an_answer_emptied_by_reasoning_is_refused_with_the_reason() -> None:
    answer = Answer(text="", finish_reason="length", completion_tokens=300, reasoning_tokens=300)
    why = store_refusal(answer, max_chars=1000)
    assert why is not None and "reasoning" in why and "300" in why and "LLM_REASONING_BUDGET" in why


def test_a_plain_cut_answer_keeps_the_plain_reason() -> None:
    answer = Answer(text="Half an ans", finish_reason="length", completion_tokens=3)
    assert store_refusal(answer, max_chars=1000) == "incomplete answer (finish_reason=length)"
