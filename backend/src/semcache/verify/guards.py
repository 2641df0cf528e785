"""Pure guards: cheap lexical checks that catch the near-misses an embedding cannot see.

A sentence embedding averages over tokens, so "cancel" / "don't cancel", "order 48231" / "order 48213",
"EUR to USD" / "USD to EUR" and "Leeds" / "Oxford" land as close as true paraphrases (docs/quality.md
shows it on every data file). Each guard looks at the words that differ between the query and a cached
prompt and returns a reason to refuse the hit, or None. They never add hits, only remove them, and each
was kept only where `semcache eval` showed it removed more wrong hits than right ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

__all__ = [
    "ALL",
    "Guard",
    "Words",
    "antonym",
    "calendar",
    "check",
    "direction",
    "edit_size",
    "entity",
    "negation",
    "number",
    "split",
    "swap",
    "when_minimal",
]

_TOKEN = re.compile(r"[£$€]?\d[\d,._:/-]*\d(?:st|nd|rd|th|am|pm|k|m|kg|gb|mb)?|[£$€]?\d|[\w']+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.?!;]\s|\n")  # "melting? What", not "Node.js"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEGATIONS = _words(
    """
    not no never none nobody nothing nowhere neither nor without cannot cant dont doesnt didnt isnt
    arent wasnt werent wont wouldnt shouldnt couldnt havent hasnt hadnt non
    """
)
#: Words whose presence on one side only changes what is asked (small, general English, not per data set).
NUMBER_WORDS = {
    "zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "hundred": "100",
}  # fmt: skip
# "one", "first", "second", "once" are left out: far more often a pronoun, an order or a unit of time.
#: Antonym pairs (both directions are checked). General English only; the eval keeps this list honest.
ANTONYMS = (
    ("open", "closed"), ("open", "close"), ("allow", "ban"), ("allow", "forbid"), ("allow", "block"),
    ("include", "exclude"), ("included", "excluded"), ("pass", "fail"), ("before", "after"),
    ("enable", "disable"), ("benefit", "drawback"), ("advantage", "disadvantage"), ("pro", "con"),
    ("buy", "sell"), ("increase", "decrease"), ("increase", "reduce"), ("raise", "lower"), ("min", "max"),
    ("minimum", "maximum"), ("cheapest", "expensive"), ("best", "worst"), ("first", "last"),
    ("start", "stop"), ("start", "end"), ("add", "remove"), ("upload", "download"), ("import", "export"),
    ("encrypt", "decrypt"), ("eat", "avoid"), ("safe", "unsafe"), ("legal", "illegal"), ("win", "lose"),
    ("accept", "reject"), ("approve", "deny"), ("approve", "reject"), ("gain", "lose"), ("join", "leave"),
    ("inbound", "outbound"), ("incoming", "outgoing"), ("import", "export"), ("input", "output"),
    ("hot", "cold"), ("high", "low"), ("higher", "lower"), ("long", "short"), ("more", "less"),
    ("more", "fewer"), ("most", "least"), ("above", "below"), ("over", "under"), ("upper", "lower"),
    ("early", "late"), ("earliest", "latest"), ("old", "new"), ("oldest", "newest"), ("fast", "slow"),
    ("fastest", "slowest"), ("strong", "weak"), ("strongest", "weakest"), ("big", "small"),
    ("biggest", "smallest"), ("large", "small"), ("largest", "smallest"), ("positive", "negative"),
    ("synonym", "antonym"), ("formal", "informal"), ("public", "private"), ("internal", "external"),
    ("lock", "unlock"), ("mount", "unmount"), ("install", "uninstall"), ("subscribe", "unsubscribe"),
    ("follow", "unfollow"), ("block", "unblock"), ("freeze", "unfreeze"), ("connect", "disconnect"),
    ("agree", "disagree"), ("like", "dislike"), ("charge", "refund"), ("deposit", "withdraw"),
    ("credit", "debit"), ("male", "female"), ("men", "women"), ("adult", "child"), ("adults", "children"),
    ("day", "night"), ("morning", "evening"), ("summer", "winter"), ("north", "south"), ("east", "west"),
    ("left", "right"), ("in", "out"), ("on", "off"), ("up", "down"), ("true", "false"), ("yes", "no"),
    ("cause", "cure"), ("symptom", "treatment"), ("import", "export"), ("send", "receive"),
    ("better", "worse"), ("good", "bad"), ("bigger", "smaller"), ("larger", "smaller"), ("faster", "slower"),
    ("older", "younger"), ("young", "old"), ("newer", "older"), ("cheap", "expensive"), ("cheaper", "dearer"),
    ("stronger", "weaker"), ("longer", "shorter"), ("easy", "hard"), ("easy", "difficult"), ("easier", "harder"),
    ("heavy", "light"), ("heavier", "lighter"), ("rich", "poor"), ("richer", "poorer"), ("thick", "thin"),
    ("wide", "narrow"), ("deep", "shallow"), ("tall", "short"), ("taller", "shorter"), ("love", "hate"),
    ("push", "pull"), ("arrive", "depart"), ("arrival", "departure"), ("borrow", "lend"), ("alive", "dead"),
    ("possible", "impossible"), ("correct", "incorrect"), ("warmer", "colder"), ("hotter", "colder"),
    ("earlier", "later"), ("closer", "farther"), ("nearest", "farthest"), ("cheapest", "dearest"),
)  # fmt: skip


def _antonym_map(pairs: tuple[tuple[str, str], ...]) -> dict[str, frozenset[str]]:
    """Word -> its antonyms, both directions: a check is then one lookup per word, not a scan of pairs."""
    found: dict[str, set[str]] = {}
    for a, b in pairs:
        found.setdefault(a, set()).add(b)
        found.setdefault(b, set()).add(a)
    return {word: frozenset(others) for word, others in found.items()}


#: Words carrying direction: "X to Y" asks the reverse of "Y to X".
_DIRECTION = frozenset({"to", "into", "from", "vs", "versus", "than"})
MONTHS = _words(
    """
    january february march april may june july august september october november december jan feb mar
    apr jun jul aug sep sept oct nov dec
    """
)
WEEKDAYS = _words("monday tuesday wednesday thursday friday saturday sunday")
STOPWORDS = _words(
    """
    a an the is are was were be been being am do does did doing have has had having i me my mine we us
    our you your yours he him his she her it its they them their what which who whom whose when where
    why how this that these those there here of in on at by for with about as into through to from up
    down out over and or but if then so than too very can could should would will shall may might must
    just also any some all each every both more most other such only own same few many much again
    further once get got s t ll re ve d m please tell know explain want need like give show way ways
    best good really actually one thing things anyone someone something use using make doing possible
    """
)


@dataclass(frozen=True)
class Words:
    """A prompt split once for all guards."""

    tokens: tuple[str, ...]  # lower-cased, in order; "don't" -> "dont"
    proper: frozenset[str]  # capitalised words not at a sentence start, lower-cased
    breaks: frozenset[int] = frozenset()  # indices of tokens that open a second or later sentence

    # Cached: every guard asks, and on a semantic hit's hot path stem() calls were 14% of the event loop.
    @cached_property
    def stems(self) -> tuple[str, ...]:
        return tuple(stem(t) for t in self.tokens)

    @cached_property
    def content(self) -> frozenset[str]:
        return frozenset(
            s for t, s in zip(self.tokens, self.stems, strict=True) if t not in STOPWORDS and t not in NEGATIONS
        )


def stem(word: str) -> str:
    """A crude stem: enough that plural and tense variants of a word compare equal ("differences" /
    "difference", "getting" / "get", "processes" / "process"), without a dictionary."""
    for suffix, ending in (("ies", "i"), ("ied", "i"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and _strips(word, suffix):
            # "places" is "place" + s, "boxes" is "box" + es
            cut = 1 if suffix == "es" and not word[:-2].endswith(_SIBILANTS) else len(suffix)
            word = word[:-cut] + ending
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "getting", "stopped"
            break
    if len(word) > 3 and word[-1] in "ey":
        # "make" / "making", "place" / "plac(es)"; "city" / "citi(es)", "movie" / "movi(es)"
        return word[:-1] + ("i" if word[-1] == "y" else "")
    return word


_SIBILANTS = ("s", "x", "z", "ch", "sh")


def _strips(word: str, suffix: str) -> bool:
    if suffix == "s":
        return not word.endswith(("ss", "us", "is"))  # "process", "status", "analysis" are not plurals
    if suffix == "ly":
        return len(word) > 5 and not word.endswith(("ily", "ply"))  # "family", "supply", "italy"
    return True


_ANTONYM_OF = _antonym_map(tuple((stem(a), stem(b)) for a, b in ANTONYMS))  # by stem: "closing" is "close"


@lru_cache(maxsize=4096)
def split(text: str) -> Words:
    """Tokens and proper nouns of a prompt. Cached: a popular entry's prompt is split on every hit it serves."""
    text = text.replace("’", "'")
    tokens: list[str] = []
    proper: set[str] = set()
    breaks: set[int] = set()
    ends = [m.start() for m in _SENTENCE_END.finditer(text)]  # usually none: one scan, not one per token
    for match in _TOKEN.finditer(text):
        raw = match.group()
        if raw[-2:].lower() == "'s" and len(raw) > 2:
            # "France's" is France: the clitic is a possessive or "is"/"has"/"us", never the content.
            raw = raw[:-2]
        word = raw.lower().replace("'", "")
        if word == "no" and text[match.end() : match.end() + 1] == ",":
            continue  # "No, ..." answers a question; it does not negate one
        while ends and ends[0] < match.start():  # a sentence ended since the last token
            ends.pop(0)
            if tokens:
                breaks.add(len(tokens))
        tokens.append(word)
        before = text[: match.start()].rstrip()[-1:]
        at_start = before in {"", ".", "?", "!", ":", "\n", '"', "'", "`", "(", "*", "-"}
        if raw == "I" or raw.startswith("I'"):
            continue  # "I", "I'm", "I'll" are capitalised everywhere and name nothing
        if raw[:1].isupper() and (not at_start or (raw.isupper() and len(raw) > 1)):
            proper.add(word)  # a capitalised word mid-sentence, or an acronym anywhere (USD, ISA, NHS)
    return Words(tuple(tokens), frozenset(proper), frozenset(breaks))


def numbers(words: Words) -> Counter[str]:
    found: Counter[str] = Counter()
    for t in words.tokens:
        if t in NUMBER_WORDS:
            found[NUMBER_WORDS[t]] += 1
        for n in _NUMBER.findall(t):
            found[n.replace(",", "")] += 1
    return found


Guard = Callable[[Words, Words], str | None]


def edit_size(q: Words, c: Words) -> int:
    """How many content words one side has that the other lacks (the larger side)."""
    cq, cc = q.content, c.content
    return max(len(cq - cc), len(cc - cq))


def when_minimal(guard: Guard, max_edit: int) -> Guard:
    """Run `guard` only on near-identical prompts. A changed slot in an otherwise equal prompt is the
    shape of a near-miss; in a reworded paraphrase the same lexical differences are mostly noise."""

    def gated(q: Words, c: Words) -> str | None:
        return guard(q, c) if edit_size(q, c) <= max_edit else None

    gated.__name__ = f"{getattr(guard, '__name__', 'guard')}_within_{max_edit}"
    return gated


def negation(q: Words, c: Words) -> str | None:
    """One side negated and the other not (an odd number of negations flips the question)."""
    nq, nc = sum(_negative(t) for t in q.tokens), sum(_negative(t) for t in c.tokens)
    return "negation" if nq % 2 != nc % 2 else None


def _negative(token: str) -> bool:
    return token in NEGATIONS or _nt(token)


def _nt(token: str) -> bool:
    return token.endswith("nt") and token[:-2] in _NT_STEMS


_NT_STEMS = _words("do does did is are was were wo ca would should could have has had need must might")


def number(q: Words, c: Words) -> str | None:
    return "number" if numbers(q) != numbers(c) else None


def calendar(q: Words, c: Words) -> str | None:
    return "date" if _dates(q) != _dates(c) else None


def _dates(words: Words) -> set[str]:
    found = set(words.tokens) & (MONTHS | WEEKDAYS)
    if "may" in found and not any(_month_may(words.tokens, i, words.proper) for i in _positions(words.tokens, "may")):
        found.discard("may")  # "May I pay later?" asks permission; "in May", "May 24th" name a month
    return found


def _month_may(tokens: tuple[str, ...], i: int, proper: frozenset[str]) -> bool:
    before, after = tokens[i - 1] if i else "", tokens[i + 1] if i + 1 < len(tokens) else ""
    dated = any(ch.isdigit() for ch in before + after)
    named = before in _BEFORE_MONTH or ("may" in proper and i > 0)
    return dated or (named and after not in _AFTER_MODAL)


#: "in May", "since May", "last May"; and what follows the modal "may" ("you may be", "it may not").
_BEFORE_MONTH = _words("in of since until till by during early late mid next last this every from to")
_AFTER_MODAL = _words("i we you he she it they be not have get also still need want")


def antonym(q: Words, c: Words) -> str | None:
    only_q, only_c = set(q.stems) - set(c.stems), set(c.stems) - set(q.stems)
    for x in only_q:
        for y in _ANTONYM_OF.get(x, frozenset()) & only_c:
            return f"antonym {x}/{y}"
    return None


def entity(q: Words, c: Words) -> str | None:
    """A proper noun on each side that the other lacks: another city, product, person or currency."""
    tq, tc = set(q.tokens), set(c.tokens)
    only_q, only_c = q.proper - tc, c.proper - tq
    return "entity" if only_q and only_c else None


def direction(q: Words, c: Words) -> str | None:
    """The same words around "to"/"from"/"vs" in the other order ("EUR to USD" / "USD to EUR"), or two
    slots of one sentence exchanged around what relates them ("Did Federer beat Nadal" / "Nadal beat
    Federer", "Do cats fear dogs" / "Do dogs fear cats"): who does what to whom, reversed."""
    for pivot in _DIRECTION & set(q.tokens) & set(c.tokens):
        for i in _positions(q.tokens, pivot):
            bq, aq = _around(q.tokens, i)
            for j in _positions(c.tokens, pivot):
                bc, ac = _around(c.tokens, j)
                if (bq & ac) - bc and (aq & bc) - ac:  # a word crossed the pivot each way
                    return f"direction {pivot}"
    return _exchanged(q, c)


def _positions(tokens: tuple[str, ...], word: str) -> list[int]:
    return [i for i, t in enumerate(tokens) if t == word]  # "how to copy files from A to B": every "to"


def _around(tokens: tuple[str, ...], i: int) -> tuple[set[str], set[str]]:
    before = {t for t in tokens[max(0, i - 3) : i] if t not in STOPWORDS}
    after = {t for t in tokens[i + 1 : i + 4] if t not in STOPWORDS}
    return before, after


#: Between exchanged slots, these make a coordination or a freely placed adjunct, not a relation:
#: "a virus and a bacterium" / "a bacterium and a virus", "born in Sweden in 1947" / "in 1947 in Sweden".
_COORDINATION = _words("and or nor")
_SYMMETRIC = _words("plus with between a an the")
_ADJUNCTS = frozenset((word,) for word in ("in", "on", "at", "during"))
#: A sentence has one of these; a keyword list ("sort:recent tag:release outage report") has at most a preposition.
_GRAMMAR = STOPWORDS - _words("of in on at by for with about as into through to from up down out over")
#: A role swap exchanges noun phrases; longer exchanged spans are clauses moved, which rarely changes the ask.
_MAX_SLOT = 4


def _exchanged(q: Words, c: Words) -> str | None:
    """`c` is `q` with two slots exchanged around a relation: q = P X M Y S, c = P Y M X S (by stem)."""
    a, b = q.stems, c.stems
    if len(a) != len(b) or a == b or sorted(a) != sorted(b) or not set(q.tokens) & _GRAMMAR:
        return None  # not the same words; or a keyword list ("in:title rate limit github api"), whose order is free
    start = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    end = len(a) - next(i for i, (x, y) in enumerate(zip(reversed(a), reversed(b), strict=True)) if x != y)
    if any(start < i < end for i in q.breaks | c.breaks):
        return None  # whole sentences in the other order ("What is X? Any examples?")
    n = end - start
    for x in range(1, min(_MAX_SLOT, n - 2) + 1):
        for y in range(1, min(_MAX_SLOT, n - x - 1) + 1):
            first, middle, second = a[start : start + x], a[start + x : end - y], a[end - y : end]
            if (
                b[start:end] == second + middle + first
                and _relation(q.tokens[start + x : end - y])
                and _named(q.tokens[start : start + x], q.proper)
                and _named(q.tokens[end - y : end], q.proper)
            ):
                return f"direction {' '.join(first)}/{' '.join(second)}"
    return None


def _relation(middle: tuple[str, ...]) -> bool:
    words = set(middle)
    return not words & _COORDINATION and not words <= _SYMMETRIC and middle not in _ADJUNCTS


def _named(slot: tuple[str, ...], proper: frozenset[str]) -> bool:
    return any(t not in STOPWORDS or t in proper for t in slot)  # "the US" names a country, "us" does not


def swap(q: Words, c: Words) -> str | None:
    """Exactly one content word replaced by another on an otherwise near-identical prompt: the pattern of a
    changed slot ("parking charge for residents" / "for visitors"), rarely of a paraphrase."""
    cq, cc = q.content, c.content
    only_q, only_c = cq - cc, cc - cq
    shared = cq & cc
    if len(only_q) == 1 and len(only_c) == 1 and len(shared) >= 2:
        return f"swap {next(iter(only_q))}/{next(iter(only_c))}"
    return None


ALL: dict[str, Guard] = {
    "negation": negation, "number": number, "date": calendar, "antonym": antonym,
    "entity": entity, "direction": direction, "swap": swap,
}  # fmt: skip


def check(query: str, cached: str, guards: tuple[Guard, ...]) -> str | None:
    """The first guard's reason to refuse serving `cached`'s answer for `query`, or None."""
    q, c = split(query), split(cached)
    for guard in guards:
        reason = guard(q, c)
        if reason is not None:
            return reason
    return None
