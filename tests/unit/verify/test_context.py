"""Conversation-aware keys: the split of a key text, the mixed vector, and the rule on histories."""

from __future__ import annotations

import asyncio

import numpy as np

from semcache.cache.models import Candidate, Entry
from semcache.cache.semantic import CONTEXT_WEIGHT, combine, embed_keys
from semcache.config import Settings
from semcache.embeddings.base import Vector
from semcache.normalize import split_turns
from semcache.verify.context import refusal
from semcache.verify.verifier import CONTEXT_GUARDS, build_verifier, parse_guards

QUESTION = parse_guards("negation,number,date,antonym,direction,entity,swap", max_edit=1)
CONTEXT = parse_guards(CONTEXT_GUARDS, max_edit=None)


def chat(*turns: str) -> str:
    roles = ("user", "assistant")
    return "\n".join(f"{roles[i % 2]}: {t}" for i, t in enumerate(turns))


def refused(a: str, b: str) -> str | None:
    return refusal(a, b, question_guards=QUESTION, context_guards=CONTEXT)


def test_split_turns_takes_the_last_user_turn_as_the_question() -> None:
    assert split_turns("user: Hi\nassistant: Hello!\nsecond line\nuser: Tell me a joke") == (
        "user: Hi\nassistant: Hello!\nsecond line",
        "Tell me a joke",
    )


def test_single_prompts_are_not_split() -> None:
    for text in ("What is 2+2?", "user: just one turn", "user: a\nassistant: b", "note\nuser: a\nuser: b"):
        assert split_turns(text) is None


def test_a_reply_is_served_only_after_the_same_history() -> None:
    offer = chat("My Flixora plan renews tomorrow", "Shall I cancel it before then?", "yes please")
    other = chat("My Flixora plan renews tomorrow", "Shall I switch you to annual billing?", "yes please")
    assert refused(offer, other) is not None
    assert refused(offer, offer.replace("yes please", "Yes please")) is None


def test_the_same_follow_up_after_another_product_is_refused() -> None:
    a = chat("I have a Flixora plan I barely use.", "Your Flixora plan is £10.99 a month.", "how do I stop it?")
    b = chat("My PulseFit membership costs too much.", "Your PulseFit plan is £24.99 a month.", "how do I stop it?")
    assert refused(a, b) is not None


def test_a_changed_number_in_the_history_is_refused() -> None:
    a = chat("What's the price of Nimbus Fibre 150?", "It is £26 a month.", "how much is the installation fee?")
    b = chat("What's the price of Nimbus Fibre 900?", "It is £45 a month.", "how much is the installation fee?")
    assert refused(a, b) == "context number"


def test_a_standalone_question_ignores_the_history() -> None:
    q = "What's the cooling-off period for a new Kestrel broadband contract?"
    a = chat("my phone screen is cracked", "You can book a repair in the app.", q)
    b = chat("how do I check my data usage?", "Open the Kestrel app.", q)
    assert refused(a, b) is None


def test_a_follow_up_is_not_served_from_a_single_prompt() -> None:
    assert refused(chat("I use Tunely", "Great!", "how do I cancel it?"), "how do I cancel it?") is not None


def test_the_verifier_applies_the_conversation_rule() -> None:
    verify = build_verifier(Settings())
    assert verify is not None
    a = chat("I have a Flixora plan.", "It renews on the 14th.", "cancel it")
    b = chat("I have a PulseFit membership.", "It renews on the 3rd.", "cancel it")
    c = Candidate(Entry("1", b, b.lower(), "x", {}, 0.0), 0.01)
    assert not verify(a, c, [c])


class Fake:
    fingerprint = "fake-3"
    dims = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def embed(self, texts: list[str]) -> list[Vector]:
        self.calls.append(texts)
        return [np.asarray([1.0, 0.0, 0.0] if "?" in t else [0.0, 1.0, 0.0], dtype=np.float32) for t in texts]

    async def aclose(self) -> None:
        return None


def test_embed_keys_mixes_question_and_history_in_one_call() -> None:
    fake = Fake()
    one, conv = asyncio.run(embed_keys(fake, ["What?", chat("hello", "hi", "Why?")]))
    assert fake.calls == [["What?", "Why?", "user: hello\nassistant: hi"]]
    assert np.allclose(one, [1.0, 0.0, 0.0])
    assert np.allclose(conv, combine(np.asarray([1, 0, 0], np.float32), np.asarray([0, 1, 0], np.float32)))
    assert abs(float(np.linalg.norm(conv)) - 1.0) < 1e-6 and conv[1] / conv[0] - CONTEXT_WEIGHT < 1e-6
