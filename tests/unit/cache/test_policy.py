from semcache.cache.policy import looks_like_refusal, serve_refusal, store_refusal
from semcache.llm.shared import Answer


def test_refusals() -> None:
    assert looks_like_refusal("I'm sorry, but I can't help with that.")
    assert looks_like_refusal("I cannot assist with this request")
    assert not looks_like_refusal("Sorry to hear that! Here is how to reset your password: ...")
    assert not looks_like_refusal("The capital of France is Paris.")


def test_an_answer_over_its_requests_token_limit_is_not_stored() -> None:
    long = Answer(text="word " * 120, finish_reason="stop", completion_tokens=120)
    assert store_refusal(long, max_chars=100_000, max_tokens=16) is not None
    assert store_refusal(long, max_chars=100_000, max_tokens=None) is None
    assert store_refusal(long, max_chars=100_000, max_tokens=120) is None
    # Without the upstream's count only an answer clearly past the limit is refused (tiktoken's count
    # is not the model's).
    estimated = Answer(text="one two three four five six", finish_reason="stop")
    assert store_refusal(estimated, max_chars=100_000, max_tokens=5) is None
    assert store_refusal(Answer(text="word " * 120, finish_reason="stop"), max_chars=100_000, max_tokens=16)


def test_a_reasoning_models_hidden_tokens_do_not_count_against_the_answers_limit() -> None:
    # LLM_MAX_TOKENS=256 on a GPT-5 class deployment: 900 completion tokens, 890 of them hidden reasoning.
    short = Answer(text="The Pacific.", finish_reason="stop", completion_tokens=900, reasoning_tokens=890)
    assert store_refusal(short, max_chars=100_000, max_tokens=256) is None
    assert serve_refusal(short.text, 900, max_tokens=256) is None
    long = Answer(text="word " * 300, finish_reason="stop", completion_tokens=1190, reasoning_tokens=890)
    assert store_refusal(long, max_chars=100_000, max_tokens=256) is not None
    assert serve_refusal(long.text, 1190, max_tokens=256) is not None
