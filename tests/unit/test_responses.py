"""Pure translation of Responses API requests to chat requests, and the framing back."""

import json

from semcache.api.framing.responses import EventWriter, Usage
from semcache.responses import to_chat
from semcache.schemas.responses import ResponsesRequest


def req(**kwargs: object) -> ResponsesRequest:
    return ResponsesRequest.model_validate({"model": "m", **kwargs})


def test_input_items_and_instructions_become_chat_messages() -> None:
    items = [
        {"role": "user", "content": "Hi"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello!"}]},
        {
            "role": "user",
            "content": [{"type": "input_text", "text": "Capital of"}, {"type": "input_text", "text": "France?"}],
        },
    ]
    chat = to_chat(req(input=items, instructions="Be brief.", max_output_tokens=50)).chat
    assert chat is not None and chat.max_completion_tokens == 50
    assert [(m.role, m.content) for m in chat.messages] == [
        ("system", "Be brief."),
        ("user", "Hi"),
        ("assistant", "Hello!"),
        ("user", "Capital of\nFrance?"),
    ]


def test_answer_changing_options_keep_their_meaning() -> None:
    fmt = {"type": "json_schema", "name": "city", "schema": {"type": "object"}, "strict": True}
    chat = to_chat(req(input="x", text={"format": fmt, "verbosity": "low"}, reasoning={"effort": "low"})).chat
    assert chat is not None
    assert chat.response_format == {
        "type": "json_schema",
        "json_schema": {"name": "city", "schema": {"type": "object"}, "strict": True},
    }
    assert chat.extra_params() == {"reasoning_effort": "low", "verbosity": "low"}
    assert to_chat(req(input="x", store=False, metadata={"a": "b"})).chat is not None  # bookkeeping only


def test_what_cannot_be_keyed_faithfully_is_not_translated() -> None:
    cases = {
        "tool": req(input="x", tools=[{"type": "web_search"}]),
        "previous_response_id": req(input="x", previous_response_id="resp_1"),
        "non-text": req(input=[{"role": "user", "content": [{"type": "input_image", "image_url": "u"}]}]),
        "function_call_output": req(input=[{"type": "function_call_output", "call_id": "c", "output": "{}"}]),
        "not translated": req(input="x", prompt={"id": "pmpt_1"}),
    }
    for fragment, request in cases.items():
        translation = to_chat(request)
        assert translation.chat is None and fragment in (translation.reason or ""), fragment


def test_events_are_numbered_and_end_with_the_full_response() -> None:
    writer = EventWriter(req(input="x"), model="m")
    raw = (
        writer.start()
        + writer.delta("Par")
        + writer.delta("is.")
        + writer.finish(finish_reason="length", usage=Usage(3, 2))
    )
    events = [json.loads(block.split("data: ", 1)[1]) for block in raw.decode().strip().split("\n\n")]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    last = events[-1]
    assert last["type"] == "response.incomplete" and last["response"]["incomplete_details"] == {
        "reason": "max_output_tokens"
    }
    assert (
        last["response"]["output"][0]["content"][0]["text"] == "Paris."
        and last["response"]["usage"]["total_tokens"] == 5
    )
