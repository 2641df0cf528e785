"""semcache.completions: a legacy completions request as the chat request it means, or a 400 saying why not."""

from __future__ import annotations

import pytest

from semcache.api.framing.completions import text_completion
from semcache.completions import to_chat
from semcache.errors import BadRequestError
from semcache.schemas.completions import CompletionsRequest


def test_one_text_prompt_is_one_user_message_with_its_parameters() -> None:
    chat = to_chat(CompletionsRequest(model="m", prompt=["Hi there"], max_tokens=7, temperature=0, stop="\n"))
    assert [(m.role, m.content) for m in chat.messages] == [("user", "Hi there")]
    assert (chat.model, chat.max_tokens, chat.temperature, chat.stop) == ("m", 7, 0, "\n")


@pytest.mark.parametrize(
    "fields",
    [
        {"prompt": [1, 2, 3]},
        {"prompt": [[1, 2]]},
        {"prompt": ["a", "b"]},
        {"prompt": "Hi", "echo": True},
        {"prompt": "Hi", "logprobs": 2},
        {"prompt": "Hi", "suffix": "end"},
        {"prompt": "Hi", "n": 2},
        {"prompt": "Hi", "best_of": 3},
    ],
)
def test_what_has_no_chat_equivalent_names_the_chat_route(fields: dict[str, object]) -> None:
    with pytest.raises(BadRequestError, match="/v1/chat/completions"):
        to_chat(CompletionsRequest.model_validate(fields))


def test_a_text_completion_chunk_and_body() -> None:
    body = text_completion("cmpl-1", "m", "Paris.", finish_reason="stop", usage=(3, 2), created=1)
    assert body["choices"] == [{"index": 0, "text": "Paris.", "logprobs": None, "finish_reason": "stop"}]
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    assert "usage" not in text_completion("cmpl-1", "m", "Par", finish_reason=None)
