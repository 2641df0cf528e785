"""Answers by label group, in paraphrased wording: the loopback upstream's stand-in for an LLM whose answers to
two prompts agree exactly when their labels (banking77 / clinc150 intents) do.

Each label gets a fact of its own (a place in an app, an action, a duration, drawn from its name's hash),
stated in one of `WORDINGS` sentence forms. Two calls for prompts of the same label give the same fact in
different words; prompts of different labels give different topics and (mostly) different facts. The
answer judge's cut-off is fitted and its error measured on these (tools/audits/judge_fit.py,
docs/audits.md); they cover rewording, not the ways real answers differ (a changed number inside an
otherwise identical answer, a longer or hedged answer, a different but also right answer).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["WORDINGS", "LabelledAnswers", "Row", "answer", "load_rows"]

PLACES = (
    "the Cards tab",
    "Settings, then Security",
    "the Payments screen",
    "Help, then Contact us",
    "the Top-up page",
    "Account, then Statements",
    "the Transfers screen",
    "Profile, then Identity",
    "the Exchange screen",
    "Limits, then Spending",
    "the Beneficiaries list",
    "Settings, then Devices",
)
ACTIONS = (
    "tap Report",
    "choose Verify",
    "press Freeze",
    "select Dispute",
    "open Details",
    "tap Request",
    "choose Cancel",
    "select Update",
    "press Confirm",
    "tap Track",
    "choose Refund",
    "select Unlock",
)
UNITS = ("hours", "working days", "minutes", "days")
WORDINGS = (
    "About {topic}: go to {place} and {action}; it is sorted within {n} {unit}.",
    "If your question is about {topic}, {action} in {place}. Expect it to be done in {n} {unit}.",
    "{Topic}? Head to {place}, then {action}. This takes up to {n} {unit}.",
    "For {topic}, open {place} and {action}, and allow {n} {unit} for it to complete.",
)


def answer(label: str, wording: int) -> str:
    """The answer for `label`, in sentence form `wording` (mod the number of forms)."""
    rng = random.Random(int(hashlib.sha256(label.encode()).hexdigest()[:12], 16))
    topic = label.replace("_", " ").strip()
    fact = {"place": rng.choice(PLACES), "action": rng.choice(ACTIONS), "n": rng.randint(2, 12),
            "unit": rng.choice(UNITS)}  # fmt: skip
    return WORDINGS[wording % len(WORDINGS)].format(topic=topic, Topic=topic.capitalize(), **fact)


@dataclass(frozen=True)
class Row:
    a: str
    b: str
    label_a: str
    label_b: str

    @property
    def same(self) -> bool:
        return self.label_a == self.label_b


def load_rows(path: Path) -> list[Row]:
    """Rows of a `{"a", "b", "intent_a", "intent_b"}` JSONL file (tests/data/intent_pairs.jsonl)."""
    rows = []
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            rows.append(Row(r["a"], r["b"], r["intent_a"], r["intent_b"]))
    return rows


@dataclass
class LabelledAnswers:
    """The upstream's `answer_for`: each call for a prompt answers in the next wording, so a cached answer
    and a later fresh one for the same prompt are worded differently."""

    labels: dict[str, str] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, rows: list[Row]) -> LabelledAnswers:
        """Answers for both prompts of every row, each by its label."""
        answers = cls()
        for row in rows:
            answers.add(row.a, row.label_a)
            answers.add(row.b, row.label_b)
        return answers

    def add(self, prompt: str, label: str) -> None:
        self.labels[prompt] = label

    def __call__(self, prompt: str) -> str | None:
        label = self.labels.get(prompt)
        if label is None:
            return None
        self.calls[prompt] += 1
        return answer(label, self.calls[prompt] + len(prompt))
