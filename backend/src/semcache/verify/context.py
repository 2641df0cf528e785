"""Pure: may a cached conversation's answer be served for another conversation?

In a chat the last user turn is the question, but what it asks depends on the turns before it: "cancel it"
after a streaming plan and after a gym membership are different requests, and "yes please" accepts
whatever the assistant just offered. A flattened chat embedded as one text is dominated by its history
(fow_cache_conversations: 52% of served hits wrong), and the last turn alone is not the question either.
So the key is split (`normalize.split_turns`) and the two parts are checked apart:

- the questions must pass the prompt guards, as single prompts do;
- a *standalone* question (no pronoun or ordinal pointing back, names what it is about) is answered the
  same whatever came before, so the history is not compared ("What's the cooling-off period for a Kestrel
  broadband contract?" after any small talk);
- a *reply* ("yes please", "the second one", "ok go ahead") means nothing without the exact turns before
  it, so it is served only when the histories are the same text;
- any other follow-up ("how long will the refund take?") is served when the histories pass the context
  guards: the same numbers, dates and names, the slots a near-miss conversation changes.

Every rule only refuses; none adds a hit. They favour misses: a standalone question without a name is
treated as a follow-up, and so is refused when the histories differ in a number or a name.
"""

from __future__ import annotations

from semcache.normalize import normalize_text, split_turns
from semcache.verify.guards import Guard, Words, check, split

__all__ = ["is_conversation", "refusal"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that point back into the conversation: a question holding one depends on it.
ANAPHORA = _words(
    """
    it its itself that this these those them they he him his she her then there one ones instead also too
    else again same other another either both which such former latter
    """
)
#: Ordinals and choices: "the first one", "option 2" pick from something said before.
CHOICES = _words("first second third fourth fifth last next previous option options")
#: Openers of a reply rather than a question.
REPLY_OPENERS = _words(
    """
    and or but so ok okay yes yeah yep yup no nope sure cool great fine alright right go perfect thanks
    thank lets please
    """
)
#: "I", "I'm", "I'll" are capitalised but name nothing.
_NOT_NAMES = frozenset({"i", "im", "ill", "ive", "id"})


def standalone(question: Words) -> bool:
    """Asks something complete on its own: no word pointing back, at least three content words, a name."""
    tokens = question.tokens
    if not tokens or tokens[0] in REPLY_OPENERS or set(tokens) & (ANAPHORA | CHOICES):
        return False
    return len(question.content) >= 3 and bool(question.proper - _NOT_NAMES)


def is_reply(question: Words) -> bool:
    tokens = question.tokens
    return not tokens or tokens[0] in REPLY_OPENERS or bool(set(tokens) & CHOICES) or len(question.content) <= 1


def turns(prompt: str) -> tuple[str, str]:
    """(context, question) of a key text; a single prompt is a question with no context."""
    parts = split_turns(prompt)
    return parts if parts is not None else ("", prompt)


def refusal(query: str, cached: str, *, question_guards: tuple[Guard, ...],
            context_guards: tuple[Guard, ...]) -> str | None:  # fmt: skip
    """Why the answer cached for the conversation `cached` must not be served for `query`, or None."""
    (ctx_q, q), (ctx_c, c) = turns(query), turns(cached)
    reason = check(q, c, question_guards)
    if reason is not None:
        return reason
    words_q, words_c = split(q), split(c)
    if standalone(words_q) and standalone(words_c):
        return None
    if normalize_text(ctx_q) == normalize_text(ctx_c):
        return None
    if is_reply(words_q) or is_reply(words_c):
        return "context: a reply to another conversation"
    if not ctx_q or not ctx_c:
        return "context: a follow-up asked without its conversation"
    reason = check(ctx_q, ctx_c, context_guards)
    return None if reason is None else f"context {reason}"


def is_conversation(prompt: str) -> bool:
    return split_turns(prompt) is not None
