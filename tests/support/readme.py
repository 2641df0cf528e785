"""The documented shell examples as data: each `curl` command against localhost:8000 in a ```bash block of
README.md and of the docs pages in PAGES, with the output its `# ...` comment lines promise, and a matcher for
that promise.

How a comment reads (the documentation's own shorthand):
  # {"a":1,"id":"b201b616...",...,"list":[...]}   JSON: `...` between members = more members; a string
                                                   ending in `...` = that prefix; `[...]` = a list;
                                                   every object lists some of the members (others may be
                                                   there too); a number with d decimals matches within one
                                                   unit of its last decimal.
  # event: a / b / c ... / d                       SSE: these event names, in this order (others between).
A command with no comment must print JSON with no `error` member and no null member (jq prints null for a
field an error body lacks).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The pages whose examples run, in the order they run: later examples rely on what earlier ones stored
#: (the README stores the entry that api.md's examples then tag, browse and invalidate).
PAGES = ("README.md", "docs/api.md", "docs/ui.md")
HOST = "localhost:8000"
_FENCE = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
_ANY_LIST = "\x00any list"
_PREFIX = "\x00prefix:"


@dataclass(frozen=True)
class Example:
    command: str
    shown: str  # the comment lines after it, without "# " ("" when none)

    def for_port(self, port: int) -> str:
        """The command as written, sent to the test's port instead of 8000."""
        return self.command.replace(HOST, f"127.0.0.1:{port}")


def _complete(text: str) -> bool:
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return True


def _commands(block: str) -> list[Example]:
    found: list[Example] = []
    lines: list[str] = []  # the command being read (a quote or a backslash may carry it over lines)
    command: str | None = None
    shown: list[str] = []
    for line in block.splitlines():
        if lines:
            lines.append(line)
        elif line.startswith("#"):
            shown.append(line.lstrip("#").strip())
            continue
        elif line.strip():
            if command is not None:
                found.append(Example(command, "\n".join(shown)))
            command, shown, lines = None, [], [line]
        if lines and _complete("\n".join(lines)):
            command, lines = "\n".join(lines), []
    if command is not None:
        found.append(Example(command, "\n".join(shown)))
    return found


def examples(text: str) -> list[Example]:
    """Every command that calls the service, in the page's order, with the comment lines that follow it."""
    return [e for block in _FENCE.findall(text) for e in _commands(block) if HOST in e.command]


def documented_examples() -> list[Example]:
    """The examples of every page in PAGES, page after page, each page's in its own order."""
    return [e for page in PAGES for e in examples((ROOT / page).read_text(encoding="utf-8"))]


class Shown(float):
    """A number as a page prints it, with how many decimals it shows."""

    decimals: int

    def __new__(cls, text: str) -> Shown:
        value = super().__new__(cls, text)
        value.decimals = len(text.partition(".")[2])
        return value


def parse_shown_json(shown: str) -> object:
    text = re.sub(r'"([^"\n]*?)\.\.\."', lambda m: json.dumps(_PREFIX + m.group(1)), shown)
    text = text.replace("[...]", json.dumps(_ANY_LIST))
    text = re.sub(r",\s*\.\.\.\s*(?=[,}])", "", text)  # ",..." before a member or the end
    text = re.sub(r"\{\s*\.\.\.\s*,", "{", text)
    return json.loads(text, parse_float=Shown)


def mismatches(shown: object, actual: object, path: str = "$") -> list[str]:
    """Where `actual` breaks the promise `shown` makes (empty: it keeps it)."""
    if shown == _ANY_LIST:
        return [] if isinstance(actual, list) else [f"{path}: {actual!r} is not a list"]
    if isinstance(shown, str) and shown.startswith(_PREFIX):
        prefix = shown[len(_PREFIX) :]
        return [] if isinstance(actual, str) and actual.startswith(prefix) else [f"{path}: {actual!r} !~ {prefix}..."]
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{path}: {actual!r} is not an object"]
        return [m for k, v in shown.items() for m in mismatches(v, actual.get(k, KeyError(k)), f"{path}.{k}")]
    if isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) != len(shown):
            return [f"{path}: {actual!r} is not a list of {len(shown)}"]
        return [m for i, (s, a) in enumerate(zip(shown, actual, strict=True)) for m in mismatches(s, a, f"{path}[{i}]")]
    if isinstance(shown, Shown):
        number = isinstance(actual, int | float) and not isinstance(actual, bool)
        if number and abs(float(str(actual)) - shown) <= 0.5 * 10.0**-shown.decimals + 1e-9:
            return []
        return [f"{path}: {actual!r} is not {shown} (to {shown.decimals} decimals)"]
    if type(shown) is not type(actual) or shown != actual:
        return [f"{path}: {actual!r} != {shown!r}"]
    return []


def shown_events(shown: str) -> list[str]:
    """`event: a / b ... / c` -> [a, b, c]."""
    body = shown.removeprefix("event:")
    return [name for part in body.split("/") for name in part.replace("...", " ").split()]


def sse_event_names(output: str) -> list[str]:
    return [line.removeprefix("event:").strip() for line in output.splitlines() if line.startswith("event:")]


def in_order(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(name in it for name in wanted)
