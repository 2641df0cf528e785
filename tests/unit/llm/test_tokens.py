from semcache.llm.tokens import count_messages, count_text, encoding


def test_tiktoken_works_offline_from_the_shipped_rank_file() -> None:
    assert encoding() is not None
    assert count_text("The capital of France is Paris.") == 7
    assert count_messages([{"role": "user", "content": "Hi"}]) == 3 + 3 + 1
