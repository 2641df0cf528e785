from semcache.streaming import (
    chunk,
    replay_pieces,
    sse,
    usage_chunk,
)


def test_replay_pieces_rebuild_the_text_exactly() -> None:
    for text in ("The capital of France is Paris.", "  spaced\n\nlines  ", "one", "", "a b c d e f g"):
        assert "".join(replay_pieces(text)) == text


def test_chunks_parse_like_openai_chunks() -> None:
    c = chunk("chatcmpl-1", "m", content="Hi", role="assistant")
    data = c.model_dump(exclude_none=True)
    assert data["object"] == "chat.completion.chunk" and data["choices"][0]["delta"] == {
        "content": "Hi",
        "role": "assistant",
    }
    u = usage_chunk("chatcmpl-1", "m", prompt_tokens=3, completion_tokens=4)
    assert u.choices == [] and u.usage is not None and u.usage.total_tokens == 7


def test_sse_payload_is_compact_json() -> None:
    assert sse("content_chunk", {"column": "raw", "text": "é"}) == {
        "event": "content_chunk",
        "data": r'{"column":"raw","text":"\u00e9"}',
    }
