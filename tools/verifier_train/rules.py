"""Pure: generic language rules that turn one prompt into a near-miss (another question) or a paraphrase
(the same question), to train the verifier on what a bi-encoder cannot see.

Written from general English, not from any evaluation file (issue #27): the word lists below are small
closed classes (auxiliaries, units, months, countries, action opposites), and each rule says when it does
not apply by returning None, so a generator never emits a pair whose label it cannot vouch for.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["FALLBACK", "NEGATIVE", "POSITIVE", "Rule", "Swaps"]

#: A rule: (text, rng) -> the rewritten text, or None where the rule does not apply to this text.
Rule = Callable[[str, random.Random], str | None]

_AUX = ("is", "are", "was", "were", "can", "could", "do", "does", "did", "should", "will", "would", "has", "have")
_NEGATED_AUX = {"is": "isn't", "are": "aren't", "was": "wasn't", "were": "weren't", "can": "can't",
                "could": "couldn't", "do": "don't", "does": "doesn't", "did": "didn't", "should": "shouldn't",
                "will": "won't", "would": "wouldn't", "has": "hasn't", "have": "haven't"}  # fmt: skip
_ANY_NEGATION = re.compile(r"\b(not|never|no|cannot|\w+n't)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)")
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_PROPER = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+(?: [A-Z][a-z]+)?")

#: Closed classes of same-type words: replacing one member with another asks another question. A
#: capitalised member matches only capitalised ("Turkey", not "turkey"); words that are also common
#: English words in their capitalised form ("May", "Go", "Swift") are left out.
SAME_TYPE: tuple[tuple[str, ...], ...] = (
    ("January", "February", "March", "April", "June", "July", "August", "September", "October",
     "November", "December"),
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    ("France", "Germany", "Spain", "Italy", "Japan", "China", "India", "Brazil", "Canada", "Mexico",
     "Australia", "Egypt", "Kenya", "Sweden", "Norway", "Poland", "Turkey", "Argentina", "Vietnam", "Peru"),
    ("Paris", "London", "Berlin", "Madrid", "Rome", "Tokyo", "Delhi", "Toronto", "Sydney", "Cairo",
     "Chicago", "Boston", "Seattle", "Dublin", "Lisbon", "Vienna", "Prague", "Oslo", "Lima", "Seoul"),
    ("English", "French", "German", "Spanish", "Italian", "Japanese", "Chinese", "Russian", "Arabic",
     "Hindi", "Portuguese", "Korean", "Dutch", "Swedish", "Greek", "Turkish"),
    ("Python", "Java", "JavaScript", "C++", "Rust", "Ruby", "PHP", "Kotlin"),
    ("USD", "EUR", "GBP", "JPY", "INR", "CAD", "AUD", "CHF"),
    ("dollars", "euros", "pounds", "yen", "rupees"),
    ("Windows", "Linux", "macOS", "Android", "iOS"),
    ("red", "blue", "green", "yellow", "black", "white", "purple", "orange"),
    ("dog", "cat", "horse", "rabbit", "parrot", "hamster"),
    ("breakfast", "lunch", "dinner"),
    ("spring", "summer", "autumn", "winter"),
)  # fmt: skip
#: Units that measure the same kind of thing: "5 km" and "5 miles" ask different questions.
UNITS: tuple[tuple[str, ...], ...] = (
    ("km", "miles", "meters", "feet"), ("kg", "pounds", "grams", "ounces"), ("celsius", "fahrenheit"),
    ("hours", "minutes", "seconds", "days"), ("liters", "gallons"), ("GB", "MB", "TB"), ("inches", "cm"),
)  # fmt: skip
#: An action and its opposite (both directions are used).
OPPOSITES = (
    ("enable", "disable"), ("buy", "sell"), ("open", "close"), ("start", "stop"), ("add", "remove"),
    ("increase", "decrease"), ("upload", "download"), ("import", "export"), ("lock", "unlock"),
    ("install", "uninstall"), ("subscribe", "unsubscribe"), ("deposit", "withdraw"), ("send", "receive"),
    ("connect", "disconnect"), ("encrypt", "decrypt"), ("accept", "reject"), ("join", "leave"),
    ("before", "after"), ("cheapest", "most expensive"), ("best", "worst"), ("gain", "lose"),
    ("hire", "fire"), ("borrow", "lend"), ("arrive", "depart"), ("import", "export"), ("win", "lose"),
)  # fmt: skip
#: Qualifiers that narrow what is asked. Added or dropped, the question changes.
QUALIFIERS = (
    "for children", "for beginners", "in 2019", "without a car", "on a budget", "in winter", "at night",
    "on Linux", "for a small business", "during pregnancy", "for seniors", "in the UK", "without internet",
    "for free", "in under an hour", "with diabetes", "after surgery", "for a first date",
)  # fmt: skip
_POLITE_PREFIX = ("Please tell me: ", "Can you tell me ", "I'd like to know: ", "Quick question: ", "Hi! ",
                  "I was wondering, ", "Could you help me? ")  # fmt: skip
_POLITE_INNER = (", please", " please")  # before the end punctuation
_POLITE_OUTER = (" Thanks!", " Thank you.", " Any help is appreciated.", " thx")  # after it
_CONTRACTIONS = (
    ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"), ("is not", "isn't"),
    ("are not", "aren't"), ("cannot", "can't"), ("will not", "won't"), ("what is", "what's"),
    ("it is", "it's"), ("I am", "I'm"), ("I have", "I've"), ("I would", "I'd"), ("you are", "you're"),
    ("that is", "that's"), ("there is", "there's"), ("how is", "how's"), ("where is", "where's"),
    ("who is", "who's"), ("should not", "shouldn't"), ("would not", "wouldn't"),
)  # fmt: skip


def _match_case(template: str, word: str) -> str:
    if any(c.isupper() for c in word[1:]):
        return word  # its own casing (macOS, JavaScript, USD)
    if template.isupper() and len(template) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if template[:1].isupper() else word


@dataclass(frozen=True)
class Swaps:
    """Words and what each may become, with one compiled pattern that finds any of them (a scan per rule,
    not one per word: the generator runs over a hundred thousand prompts)."""

    to: dict[str, tuple[str, ...]]  # lower-cased word -> its replacements
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Swaps:
        to: dict[str, list[str]] = {}
        for old, new in pairs:
            to.setdefault(old if old[:1].isupper() else old.lower(), []).append(new)
        words = sorted(to, key=len, reverse=True)  # "most expensive" before "most"
        # A lower-case word matches in any case; a capitalised one (a name) only as written.
        alternation = "|".join(re.escape(w) if w[:1].isupper() else f"(?i:{re.escape(w)})" for w in words)
        return cls({k: tuple(v) for k, v in to.items()}, re.compile(rf"(?<![\w+])(?:{alternation})(?![\w+])"))

    def _key(self, found: str) -> str:
        return found if found in self.to else found.lower()

    def replace_one(self, text: str, rng: random.Random) -> str | None:
        """Replace one occurrence, picked at random, with one of its replacements, matching its case."""
        found = list(self.pattern.finditer(text))
        if not found:
            return None
        m = rng.choice(found)
        new = _match_case(m.group(), rng.choice(self.to[self._key(m.group())]))
        return text[: m.start()] + new + text[m.end() :]


def _others(groups: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    return [(a, b) for group in groups for a in group for b in group if a != b]


_SAME_TYPE_SWAPS, _UNIT_SWAPS = Swaps.of(_others(SAME_TYPE)), Swaps.of(_others(UNITS))
_OPPOSITE_SWAPS = Swaps.of([*OPPOSITES, *((b, a) for a, b in OPPOSITES)])
_CONTRACTION_SWAPS = Swaps.of([*_CONTRACTIONS, *((short, long) for long, short in _CONTRACTIONS)])
_QUALIFIER = Swaps.of((q, "") for q in QUALIFIERS).pattern


# --- near-misses: another question ------------------------------------------------------------------


_WH_TO = re.compile(r"\b(what|which|where|when|how|whether)( \w+)? to (?=\w)", re.I)
_AUX_ALT = "|".join(_AUX)
_WHY_AUX = re.compile(rf"^(why|how come) ({_AUX_ALT})\b", re.I)
_STATEMENT_AUX = re.compile(rf"^((?:i|we|you|it|my|our|the|this) (?:\w+ )?)({_AUX_ALT})\b", re.I)


def negate(text: str, rng: random.Random) -> str | None:
    """Negate where it plainly changes the question: "what to eat" -> "what not to eat", "why is X" ->
    "why isn't X", "my card is declined" -> "my card isn't declined". A yes/no question ("Is it safe?" /
    "Isn't it safe?") asks the same thing with another expectation, so it is left alone; so is a prompt
    already negated (dropping a negation often leaves broken English)."""
    if _ANY_NEGATION.search(text):
        return None
    if m := _WH_TO.search(text):
        return text[: m.end() - len("to ")] + "not to " + text[m.end() :]
    for pattern in (_WHY_AUX, _STATEMENT_AUX):
        if m := pattern.search(text):
            aux = m.group(2)
            return text[: m.start(2)] + _match_case(aux, _NEGATED_AUX[aux.lower()]) + text[m.end(2) :]
    return None


def change_number(text: str, rng: random.Random) -> str | None:
    found = list(_NUMBER.finditer(text))
    if not found:
        return None
    m = rng.choice(found)
    value = m.group()
    new = str(int(float(value)) + rng.choice((1, 2, 3, 5, 10))) if "." not in value else f"{float(value) * 2:g}"
    return text[: m.start()] + new + text[m.end() :]


def change_year(text: str, rng: random.Random) -> str | None:
    m = _YEAR.search(text)
    if not m:
        return None
    return text[: m.start()] + str(int(m.group()) + rng.choice((-3, -2, -1, 1, 2, 3))) + text[m.end() :]


def replace_entity(text: str, rng: random.Random) -> str | None:
    """Another member of the same closed class: another country, month, language, currency..."""
    return _SAME_TYPE_SWAPS.replace_one(text, rng)


def change_unit(text: str, rng: random.Random) -> str | None:
    return _UNIT_SWAPS.replace_one(text, rng)


def opposite_action(text: str, rng: random.Random) -> str | None:
    return _OPPOSITE_SWAPS.replace_one(text, rng)


_OWNERS = frozenset(("my", "your", "his", "her", "our", "their", "its", "a", "an", "this", "that"))
_FROM_TO = re.compile(r"\bfrom (\w[\w ]{0,20}?) to (\w[\w ]{0,20}?)(?=[?.!,]|$| (?:by|in|on|for|via|with)\b)", re.I)
_X_TO_Y = re.compile(r"\b([A-Z]{2,5}|[A-Z][a-z]+) (to|into|than) ([A-Z]{2,5}|[A-Z][a-z]+)\b")


def swap_roles(text: str, rng: random.Random) -> str | None:
    """Swap the two ends of a direction ("from A to B", "USD to EUR", "taller than B") or two proper nouns
    that are not a coordination ("Did Federer beat Nadal" -> "Did Nadal beat Federer")."""
    for pattern, swapped in ((_FROM_TO, "from \\2 to \\1"), (_X_TO_Y, "\\3 \\2 \\1")):
        m = pattern.search(text)
        if m and m.group(1).lower() != m.group(m.lastindex or 1).lower() and m.group(1).lower() not in _OWNERS:
            return text[: m.start()] + m.expand(swapped) + text[m.end() :]
    return _swap_proper(text)


#: Between two names, one lower-case word that is a verb's slot ("Federer beat Nadal"), not a
#: coordination or a preposition ("Paris and Rome", "Android in India"): only there does a swap swap roles.
_VERB_SLOT = re.compile(r"^ ([a-z]{3,}) $")
_NOT_VERBS = frozenset(
    ("and", "or", "nor", "but", "vs", "versus", "with", "without", "in", "on", "at", "of", "for", "from", "to",
     "into", "than", "near", "via", "per")
)  # fmt: skip


def _swap_proper(text: str) -> str | None:
    names = list(_PROPER.finditer(text))
    for first, second in itertools.pairwise(names):
        between = text[first.end() : second.start()]
        slot = _VERB_SLOT.match(between)
        if first.group() != second.group() and slot and slot.group(1) not in _NOT_VERBS:
            return text[: first.start()] + second.group() + between + first.group() + text[second.end() :]
    return None


def _ending(text: str) -> tuple[str, str]:
    stripped = text.rstrip()
    end = len(stripped)
    while end and stripped[end - 1] in "?.!":
        end -= 1
    return stripped[:end], stripped[end:]


def add_qualifier(text: str, rng: random.Random) -> str | None:
    body, punctuation = _ending(text)
    if not body or _QUALIFIER.search(body):
        return None
    return f"{body} {rng.choice(QUALIFIERS)}{punctuation}"


def drop_qualifier(text: str, rng: random.Random) -> str | None:
    present = list(_QUALIFIER.finditer(text))
    if not present:
        return None
    m = rng.choice(present)
    dropped = text[: m.start()] + text[m.end() :]
    return re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", dropped)).strip()


# --- paraphrases: the same question -----------------------------------------------------------------


def recase(text: str, rng: random.Random) -> str | None:
    changed = rng.choice((text.lower(), text[:1].upper() + text[1:], text[:1].lower() + text[1:]))
    return changed if changed != text else None


def repunctuate(text: str, rng: random.Random) -> str | None:
    body, punctuation = _ending(text)
    if punctuation:
        return body
    return body + rng.choice(("?", ".", "!"))


def contract(text: str, rng: random.Random) -> str | None:
    """Contract or expand one contraction ("do not" <-> "don't"): same words, another spelling."""
    return _CONTRACTION_SWAPS.replace_one(text, rng)


def polite(text: str, rng: random.Random) -> str | None:
    if rng.random() < 0.5:
        prefix = rng.choice(_POLITE_PREFIX)
        starts_sentence = prefix.rstrip()[-1] in ":?!,"
        keep_capital = starts_sentence or text.split(" ", 1)[0].isupper() or text.startswith("I ")
        return prefix + (text if keep_capital else text[:1].lower() + text[1:])
    body, punctuation = _ending(text)
    if rng.random() < 0.5:
        return f"{body}{rng.choice(_POLITE_INNER)}{punctuation}"
    return f"{body}{punctuation or '?'}{rng.choice(_POLITE_OUTER)}"


_SENTENCES = re.compile(r"[^.?!]+[.?!]+")


def reorder_sentences(text: str, rng: random.Random) -> str | None:
    """Two or more independent sentences in another order ("I forgot my password. How do I reset it?")."""
    sentences = [s.strip() for s in _SENTENCES.findall(text)]
    if len(sentences) < 2 or len("".join(sentences)) < len(text.strip()) - 1:
        return None  # a tail without end punctuation: not cleanly separable
    shuffled = sentences[1:] + sentences[:1]
    return " ".join(shuffled)


NEGATIVE: dict[str, Rule] = {
    "negate": negate, "number": change_number, "year": change_year, "entity": replace_entity,
    "unit": change_unit, "opposite": opposite_action, "swap_roles": swap_roles,
    "add_qualifier": add_qualifier, "drop_qualifier": drop_qualifier,
}  # fmt: skip
POSITIVE: dict[str, Rule] = {
    "recase": recase, "repunctuate": repunctuate, "contract": contract, "polite": polite,
    "reorder_sentences": reorder_sentences,
}  # fmt: skip
#: Rules that apply to almost any prompt: a generator tries them only after the specific ones, or they
#: would crowd out the rarer near-misses (a swapped direction, an opposite action) that matter most.
FALLBACK = frozenset({"add_qualifier", "recase", "repunctuate", "polite"})
