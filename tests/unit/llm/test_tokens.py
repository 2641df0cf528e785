import pytest

from semcache.llm.tokens import count_messages, count_text, decode_tokens, encoding


def test_tiktoken_works_offline_from_the_shipped_rank_file() -> None:
    assert encoding() is not None
    assert count_text("The capital of France is Paris.") == 7
    assert count_messages([{"role": "user", "content": "Hi"}]) == 3 + 3 + 1


def test_token_ids_decode_with_the_models_encoding() -> None:
    enc = encoding("cl100k_base")
    assert enc is not None
    assert decode_tokens(enc.encode("hello world"), model="text-embedding-3-small") == "hello world"
    assert decode_tokens(enc.encode("hello world"), model="my-deployment") == "hello world"  # cl100k default
    with pytest.raises(ValueError, match="token ids must be in"):
        decode_tokens([10**9], model=None)
