"""Each guard with its own near-misses (refused) and paraphrases (let through)."""

from __future__ import annotations

import pytest

from semcache.verify import guards
from semcache.verify.guards import Guard, check, split, when_minimal


def refuses(guard: Guard, query: str, cached: str) -> bool:
    return guard(split(query), split(cached)) is not None


@pytest.mark.parametrize(
    ("query", "cached"),
    [
        ("Don't cancel my subscription", "Cancel my subscription"),
        ("Which items can't be recycled?", "Which items can be recycled?"),
        ("Is my plane ticket non-transferable?", "Is my plane ticket transferable?"),
        ("Why is my card not working?", "Why is my card working?"),
        ("Can I travel without a visa?", "Can I travel with a visa?"),
    ],
)
def test_negation_refuses_a_flipped_question(query: str, cached: str) -> None:
    assert refuses(guards.negation, query, cached)


@pytest.mark.parametrize(
    ("query", "cached"),
    [
        ("Why is my card not working?", "Why isn't my card working?"),  # both negated
        ("No, how do I reset it?", "How do I reset it?"),  # "No," answers, it does not negate
        ("How do I reset my password?", "How can I reset my password?"),
    ],
)
def test_negation_lets_paraphrases_through(query: str, cached: str) -> None:
    assert not refuses(guards.negation, query, cached)


def test_number_refuses_other_numbers_amounts_and_spelled_numbers() -> None:
    assert refuses(guards.number, "Track order 48231", "Track order 48213")
    assert refuses(guards.number, "stamp duty on a £600,000 house", "stamp duty on a £250,000 house")
    assert refuses(guards.number, "a table for two", "a table for 4")
    assert refuses(guards.number, "GDP of Japan in 2020", "Japan GDP latest")


def test_number_ignores_formatting_and_words_that_are_not_counts() -> None:
    assert not refuses(guards.number, "a table for two", "table for 2 please")
    assert not refuses(guards.number, "price of 1,000 shares", "what do 1000 shares cost")
    assert not refuses(guards.number, "One of the simplest ways", "The easiest way")


def test_date_refuses_another_month_or_weekday() -> None:
    assert refuses(guards.calendar, "Is the clinic open on Sunday?", "Is the clinic open on Monday?")
    assert refuses(guards.calendar, "holidays in March", "holidays in May")
    assert not refuses(guards.calendar, "Is the clinic open on Sunday?", "Sunday opening hours of the clinic")


def test_date_reads_may_as_a_month_only_where_it_names_one() -> None:
    assert refuses(guards.calendar, "Is the clinic open in May?", "Is the clinic open in June?")
    assert refuses(guards.calendar, "can i use my pto on may 24th", "can i use my pto")
    assert refuses(guards.calendar, "Where do May and June differ?", "Where do June and July differ?")
    assert not refuses(guards.calendar, "May I pay later?", "Can I pay later?")
    assert not refuses(guards.calendar, "this may be a problem", "this is a problem")


def test_antonym_refuses_opposites_and_allows_synonyms() -> None:
    assert refuses(guards.antonym, "Which airlines ban pets in the cabin?", "Which airlines allow pets in the cabin?")
    assert refuses(guards.antonym, "disable two factor", "enable two-factor")
    assert refuses(guards.antonym, "Is the call-out fee excluded?", "Is the call-out fee included?")
    assert refuses(guards.antonym, "Is tea worse than coffee for health?", "Is tea better than coffee for health?")
    assert refuses(guards.antonym, "Is it hard to learn Rust?", "Is it easy to learn Rust?")
    assert not refuses(guards.antonym, "Is milk good or bad for you?", "Is milk good for you?")  # both sides ask "good"
    assert not refuses(guards.antonym, "What does the iPhone 16 cost?", "price of the iPhone 16")


def test_entity_refuses_another_place_or_product() -> None:
    assert refuses(guards.entity, "When is the UCAS deadline for Leeds?", "When is the UCAS deadline for Oxford?")
    assert refuses(guards.entity, "convert 10 GBP to USD", "convert 10 EUR to USD")
    assert not refuses(guards.entity, "Capital of Canada", "What is the capital city of Canada?")
    assert not refuses(guards.entity, "How do I learn Python?", "Learning Python: where to start?")
    assert not refuses(guards.entity, "What is France's capital?", "What is the capital of France?")


def test_direction_refuses_the_reverse_conversion() -> None:
    assert refuses(guards.direction, "convert HTML to Markdown", "convert Markdown to HTML")
    assert refuses(guards.direction, "How do I convert a PDF to a Word file?", "How do I convert a Word file to PDF?")
    assert not refuses(guards.direction, "convert HTML to Markdown", "how to convert HTML into Markdown")


def test_direction_reads_every_occurrence_of_its_pivot() -> None:
    # The first "to" ("how to copy") crosses nothing; the second is the one reversed.
    a, b = "How to copy files from my laptop to a USB drive", "How to copy files from a USB drive to my laptop"
    assert refuses(guards.direction, a, b)
    assert not refuses(guards.direction, a, "How to copy files from my laptop to a USB stick")


@pytest.mark.parametrize(
    ("query", "cached"),
    [
        ("Did Nadal beat Federer in 2008?", "Did Federer beat Nadal in 2008?"),
        ("Can a cat eat chocolate made for dogs?", "Can a dog eat chocolate made for cats?"),
        ("The employee fired the manager", "The manager fired the employee"),
        ("Why do Russians dislike Poles?", "Why do Poles dislike Russians?"),
        ("Is India ruining Modi?", "Is Modi ruining India?"),
        ("How can I convert rupees to dollars?", "How can I convert dollar to rupees?"),  # by stem
        ("Cheapest shipping from Romania to the US?", "Cheapest shipping from the US to Romania?"),  # "US" names
    ],
)
def test_direction_refuses_two_slots_exchanged_around_a_relation(query: str, cached: str) -> None:
    assert refuses(guards.direction, query, cached)


@pytest.mark.parametrize(
    ("query", "cached"),
    [
        # a coordination is symmetric
        ("Difference between a bacterium and a virus?", "Difference between a virus and a bacterium?"),
        ("He was born in 1947 in Sweden", "He was born in Sweden in 1947"),  # adjuncts move freely
        ("github api rate limit in:title", "in:title rate limit github api"),  # a keyword list has no order
        ("What are some examples? What is melting?", "What is melting? What are some examples?"),  # sentences
        ("Tell us about Rome", "Tell Rome about us"),  # "us" names nobody in particular
    ],
)
def test_direction_lets_reorderings_that_keep_the_question_through(query: str, cached: str) -> None:
    assert not refuses(guards.direction, query, cached)


def test_split_marks_where_a_second_sentence_opens() -> None:
    assert split("What is melting? What are some examples?").breaks == frozenset({3})
    assert split("Is Node.js fast?").breaks == frozenset()


def test_swap_refuses_one_changed_slot_and_allows_rewording() -> None:
    assert refuses(guards.swap, "What's the parking charge for residents?", "What's the parking charge for visitors?")
    assert refuses(guards.swap, "setup wireguard on debian", "setup wireguard on ubuntu")
    assert not refuses(guards.swap, "python sort list ascending", "how to sort a list in python ascending")
    assert not refuses(guards.swap, "Which are the best romantic movies?", "Which is the best romantic movie?")


def test_when_minimal_runs_a_guard_only_on_near_identical_prompts() -> None:
    gated = when_minimal(guards.entity, 1)
    assert refuses(gated, "UCAS deadline for Leeds", "UCAS deadline for Oxford")
    long_q = "The Hugging Face Hub hosts datasets made by the community for NLP, vision and audio"
    long_c = "The Hugging Face Hub is a community collection of datasets for Natural Language Processing"
    assert refuses(guards.entity, long_q, long_c) and not refuses(gated, long_q, long_c)


def test_check_names_the_first_guard_that_refuses() -> None:
    all_guards = tuple(guards.ALL.values())
    assert check("Cancel my subscription", "Don't cancel my subscription", all_guards) == "negation"
    assert check("How do I reset my password?", "How can I reset my password?", all_guards) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("differences", "difference"), ("places", "place"), ("getting", "get"), ("stopped", "stop"),
        ("processes", "process"), ("making", "make"), ("applied", "apply"), ("cities", "city"), ("boxes", "box"),
        ("movies", "movie"), ("studies", "study"),
    ],
)  # fmt: skip
def test_stem_equates_plural_and_tense_variants(a: str, b: str) -> None:
    assert guards.stem(a) == guards.stem(b)


def test_stem_keeps_words_that_only_look_inflected() -> None:
    assert [guards.stem(w) for w in ("process", "status", "analysis")] == ["process", "status", "analysis"]
    assert guards.stem("family") == guards.stem("families") != guards.stem("fami")  # not an adverb in -ly
    assert refuses(guards.antonym, "Is the store closing early?", "Is the store opening early?")


def test_split_marks_proper_nouns_but_not_sentence_starts() -> None:
    words = split("Where is Paris? Tell me about USD rates.")
    assert "paris" in words.proper and "usd" in words.proper
    assert "where" not in words.proper and "tell" not in words.proper
    assert split("Don't go").tokens == ("dont", "go")


def test_the_pronoun_i_is_not_a_name() -> None:
    # "I'll" mid-sentence is capitalised, but it names nothing: it must not make `entity` fire.
    assert split("Ok I'll go for the Tunely plan, and I think I'm done").proper == frozenset({"tunely"})
