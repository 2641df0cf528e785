"""The reader of README examples: what it takes from a block and what a shown output promises (pure)."""

from __future__ import annotations

from tests.support.readme import examples, in_order, mismatches, parse_shown_json, shown_events

BLOCK = """Intro
```bash
curl -s localhost:8000/a -H 'x: y' \\
  -d '{"k": "it'"'"'s"}'
# {"id":"ab12...","n":0.97,"more":[...],...}

curl -s localhost:8000/b -d '{
  "multi": "line"}' | jq '.x'
make run     # not a call to the service
```
"""


def test_commands_span_backslashes_and_open_quotes_and_keep_their_comment() -> None:
    found = examples(BLOCK)
    assert [e.command.split()[2] for e in found] == ["localhost:8000/a", "localhost:8000/b"]
    assert found[0].shown == '{"id":"ab12...","n":0.97,"more":[...],...}'
    assert found[1].command.endswith("| jq '.x'") and found[1].shown == ""
    assert found[0].for_port(4321).startswith("curl -s 127.0.0.1:4321/a")


def test_a_shown_object_is_a_promise_about_the_members_it_lists() -> None:
    shown = parse_shown_json('{"id":"ab12...","n":0.97,"more":[...],"nested":{"t":"x"},...}')
    good = {"id": "ab12ff", "n": 0.9749, "more": [1, 2], "nested": {"t": "x", "extra": 1}, "other": None}
    assert mismatches(shown, good) == []
    assert mismatches(shown, {**good, "id": "zz12"}) == ["$.id: 'zz12' !~ ab12..."]
    assert mismatches(shown, {**good, "n": 0.9811}) == ["$.n: 0.9811 is not 0.97 (to 2 decimals)"]
    assert mismatches(shown, {**good, "n": 0.98}) == ["$.n: 0.98 is not 0.97 (to 2 decimals)"]
    assert mismatches(shown, {**good, "nested": {"t": "y"}}) == ["$.nested.t: 'y' != 'x'"]
    assert len(mismatches(shown, {k: v for k, v in good.items() if k != "more"})) == 1
    assert mismatches(parse_shown_json('{"ttl":86400,"ok":true}'), {"ttl": 86400.5, "ok": 1}) != []


def test_shown_events_are_names_in_order() -> None:
    names = shown_events("event: column_start / cache_document / content_chunk / column_complete ... / stream_complete")
    assert names == ["column_start", "cache_document", "content_chunk", "column_complete", "stream_complete"]
    assert in_order(["a", "c"], ["a", "b", "c"]) and not in_order(["c", "a"], ["a", "b", "c"])
