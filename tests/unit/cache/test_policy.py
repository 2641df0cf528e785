from semcache.cache.policy import looks_like_refusal


def test_refusals() -> None:
    assert looks_like_refusal("I'm sorry, but I can't help with that.")
    assert looks_like_refusal("I cannot assist with this request")
    assert not looks_like_refusal("Sorry to hear that! Here is how to reset your password: ...")
    assert not looks_like_refusal("The capital of France is Paris.")
