"""A small fixed set of cached questions with common paraphrases (same answer) and near-misses (a close
question with another answer). Tests of semantic hits measure the hit rate over the whole set and that no
near-miss is served, so a threshold or embedder change that loses everyday paraphrases, or starts serving
wrong answers, shows up as a figure instead of hiding behind one hand-picked sentence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    stored: str
    answer: str
    paraphrases: tuple[str, ...]
    near_misses: tuple[str, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        "What is the capital of France?",
        "Paris.",
        (
            "What is France's capital?",
            "Which city is the capital of France?",
            "what's the capital of france",
            "Tell me the capital city of France.",
            "Capital of France?",
        ),
        ("What is the capital of Germany?", "What is the population of France?", "What is the capital of Texas?"),
    ),
    Group(
        "How do I reset my password?",
        "Use the 'Forgot password' link on the sign-in page.",
        (
            "How can I reset my password?",
            "I forgot my password, how do I reset it?",
            "How do I reset my password?!",
            "What are the steps to reset my password?",
        ),
        ("How do I reset my router?", "How do I change my username?"),
    ),
    Group(
        "How many days are in a leap year?",
        "366.",
        ("How many days does a leap year have?", "Number of days in a leap year?", "A leap year has how many days?"),
        ("How many weeks are in a year?", "How often does a leap year occur?"),
    ),
    Group(
        "What is the boiling point of water?",
        "100 °C at sea level.",
        (
            "At what temperature does water boil?",
            "What temperature does water boil at?",
            "What's the boiling point of water?",
        ),
        ("What is the freezing point of water?", "What is the boiling point of ethanol?"),
    ),
    Group(
        "Who wrote Pride and Prejudice?",
        "Jane Austen.",
        (
            "Who is the author of Pride and Prejudice?",
            "Who wrote the novel Pride and Prejudice?",
            "Pride and Prejudice was written by whom?",
        ),
        ("Who wrote Sense and Sensibility?", "When was Pride and Prejudice published?"),
    ),
    Group(
        "How do I cancel my subscription?",
        "Open Settings, then Billing, then Cancel subscription.",
        (
            "How can I cancel my subscription?",
            "What are the steps to cancel my subscription?",
            "I want to cancel my subscription, how do I do it?",
        ),
        ("How do I renew my subscription?", "How do I cancel my order?"),
    ),
)

#: The paraphrase most tests use for "a semantic hit" (it is in the set, so the set's figures cover it).
FRANCE, FRANCE_PARAPHRASE = GROUPS[0].stored, GROUPS[0].paraphrases[0]
