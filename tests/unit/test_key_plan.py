from semcache.normalize import KeyRules, max_tokens_bucket, plan_key
from semcache.schemas.openai import ChatRequest

RULES = KeyRules(max_messages=4, ignore_system=True, max_temperature=1.0)


def req(*messages: tuple[str, str], **params: object) -> ChatRequest:
    return ChatRequest.model_validate({"messages": [{"role": r, "content": c} for r, c in messages], **params})


def test_a_single_user_turn_is_keyed_by_its_text() -> None:
    plan = plan_key(req(("user", "What is 2+2?")), RULES)
    assert plan.text == "What is 2+2?" and plan.params == "" and plan.cacheable


def test_system_messages_leave_the_text_but_scope_the_answer() -> None:
    a = plan_key(req(("system", "Answer in French."), ("user", "Hi")), RULES)
    b = plan_key(req(("system", "Answer in English."), ("user", "Hi")), RULES)
    assert a.text == b.text == "Hi" and a.params != b.params and a.params
    included = plan_key(req(("system", "Be brief."), ("user", "Hi")), KeyRules(ignore_system=False))
    assert included.text == "system: Be brief.\nuser: Hi"


def test_roles_are_kept_in_multi_turn_windows() -> None:
    plan = plan_key(req(("user", "Hi"), ("assistant", "Hello!"), ("user", "Tell me a joke")), RULES)
    assert plan.text == "user: Hi\nassistant: Hello!\nuser: Tell me a joke"
    swapped = plan_key(req(("assistant", "Hi"), ("user", "Hello!"), ("user", "Tell me a joke")), RULES)
    assert swapped.text != plan.text


def test_uncacheable_requests_say_why() -> None:
    cases = {
        "tool": req(("user", "x"), tools=[{"type": "function", "function": {"name": "f"}}]),
        "n > 1": req(("user", "x"), n=2),
        "logprobs": req(("user", "x"), logprobs=True),
        "temperature": req(("user", "x"), temperature=1.5),
        "last message": req(("user", "x"), ("assistant", "y")),
        "CACHE_MAX_MESSAGES": req(*[("user", str(i)) for i in range(5)]),
        "non-text": ChatRequest.model_validate(
            {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}]}
        ),
    }
    for needle, request in cases.items():
        plan = plan_key(request, RULES)
        assert not plan.cacheable and plan.reason and needle in plan.reason, (needle, plan.reason)


def test_answer_changing_params_become_scope() -> None:
    base = plan_key(req(("user", "x")), RULES)
    json_mode = plan_key(req(("user", "x"), response_format={"type": "json_object"}), RULES)
    short = plan_key(req(("user", "x"), max_tokens=50), RULES)
    similar = plan_key(req(("user", "x"), max_tokens=60), RULES)
    extra = plan_key(req(("user", "x"), reasoning_effort="high"), RULES)
    assert len({base.params, json_mode.params, short.params, extra.params}) == 4
    assert short.params == similar.params
    cool = plan_key(req(("user", "x"), temperature=0.2), RULES)
    assert cool.params == base.params


def test_max_tokens_buckets() -> None:
    assert [max_tokens_bucket(n) for n in (None, 1, 64, 65, 5000, 20000)] == [
        "",
        "<=64",
        "<=64",
        "<=256",
        "<=16384",
        ">16384",
    ]


def test_prompts_over_max_chars_are_not_cached() -> None:
    plan = plan_key(req(("user", "a long question")), KeyRules(max_chars=5))
    assert not plan.cacheable and plan.reason and "MAX_PROMPT_CHARS" in plan.reason
