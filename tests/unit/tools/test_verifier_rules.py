"""The verifier's training-data rules (tools/verifier_train): each near-miss rule changes what is asked,
each paraphrase rule keeps it, and the generator is deterministic (pure, no model, no files)."""

from __future__ import annotations

import random

import pytest

from semcache.verify.guards import split
from tools.verifier_train.augment import generate
from tools.verifier_train.rules import NEGATIVE, POSITIVE

NEAR_MISSES = [
    ("negate", "what to eat during pregnancy", "what not to eat during pregnancy"),
    ("negate", "Why is my card declined?", "Why isn't my card declined?"),
    ("negate", "My card is declined", "My card isn't declined"),
    ("swap_roles", "Flights from Boston to Seattle on Monday", "Flights from Seattle to Boston on Monday"),
    ("swap_roles", "How do I convert USD to EUR?", "How do I convert EUR to USD?"),
    ("swap_roles", "Did Federer beat Nadal?", "Did Nadal beat Federer?"),
    ("opposite", "How do I enable dark mode?", "How do I disable dark mode?"),
    ("unit", "How many km is a marathon?", "How many meters is a marathon?"),
    ("drop_qualifier", "Best diet for children?", "Best diet?"),
]
NOT_APPLICABLE = [
    ("negate", "Is it safe to eat eggs?"),  # a yes/no question negated asks the same with another expectation
    ("negate", "Why can't I log in?"),  # already negated: dropping it often breaks the sentence
    ("swap_roles", "Restaurants in Paris and Rome"),  # a coordination, not roles
    ("swap_roles", "Android apps in India"),  # a preposition between the names
    ("entity", "Should I go back to school?"),  # "go" is a verb here, not the language
    ("number", "What is the capital of France?"),
]


@pytest.mark.parametrize(("rule", "text", "expected"), NEAR_MISSES)
def test_a_near_miss_rule_changes_what_is_asked(rule: str, text: str, expected: str) -> None:
    assert NEGATIVE[rule](text, random.Random(0)) == expected


@pytest.mark.parametrize(("rule", "text"), NOT_APPLICABLE)
def test_a_rule_that_cannot_vouch_for_its_label_does_not_apply(rule: str, text: str) -> None:
    assert NEGATIVE[rule](text, random.Random(0)) is None


def test_a_number_or_a_year_changes() -> None:
    changed = NEGATIVE["number"]("Is it safe to eat 3 eggs a day?", random.Random(0))
    assert changed is not None and "3 eggs" not in changed
    year = NEGATIVE["year"]("Who won the league in 2019?", random.Random(0))
    assert year is not None and "2019" not in year and "20" in year


def test_another_member_of_the_same_class_keeps_its_own_casing() -> None:
    assert NEGATIVE["entity"]("Dark mode on Windows", random.Random(3)) in {
        "Dark mode on Linux", "Dark mode on macOS", "Dark mode on Android", "Dark mode on iOS",
    }  # fmt: skip


PROMPTS = [
    "What is the capital of France?",
    "I forgot my password. How can I reset it?",
    "How do I not lose my data when I reinstall Windows?",
    "what is the best way to learn Python",
]


@pytest.mark.parametrize("rule", sorted(POSITIVE))
@pytest.mark.parametrize("text", PROMPTS)
def test_a_paraphrase_rule_keeps_every_content_word(rule: str, text: str) -> None:
    for seed in range(5):
        changed = POSITIVE[rule](text, random.Random(seed))
        if changed is not None:
            assert split(text).content <= split(changed).content, changed


def test_two_sentences_swap_places() -> None:
    swapped = POSITIVE["reorder_sentences"]("I forgot my password. How can I reset it?", random.Random(0))
    assert swapped == "How can I reset it? I forgot my password."


def test_the_generator_is_deterministic_and_never_pairs_a_text_with_itself() -> None:
    texts = [*PROMPTS, *(t for _, t, _ in NEAR_MISSES)]
    first = generate(texts, source="f", seed=7, per_text=2)
    assert first == generate(texts, source="f", seed=7, per_text=2)
    assert first != generate(texts, source="f", seed=8, per_text=2)
    assert all(p.a != p.b for p in first)
    assert {p.same for p in first} == {True, False}
    per_text = {(p.a, p.same) for p in first}
    assert all(sum(1 for p in first if (p.a, p.same) == key) <= 2 for key in per_text)


def test_a_fallback_rule_only_fills_in_where_no_specific_rule_applied() -> None:
    pairs = generate(["How do I enable dark mode on Windows?"], source="f", seed=1, per_text=2)
    negatives = {p.rule for p in pairs if not p.same}
    assert "add_qualifier" not in negatives and len(negatives) == 2
    lone = generate(["What is stannic hydroxide?"], source="f", seed=1, per_text=2)
    assert [p.rule for p in lone if not p.same] == ["add_qualifier"]
