"""What main.bicep refuses and what it deploys by default, evaluated from the template (tests/infra/bicep_eval):
no open API unless asked for, a GPT-5 class model with room for its answer, Redis high availability only for
the production profile."""

from __future__ import annotations

import json

import pytest

from semcache.llm.budget import config_problem, family_for
from tests.infra import bicep_ast
from tests.infra.app_settings import REPO_ROOT
from tests.infra.bicep_eval import BicepFail, Template

MAIN = REPO_ROOT / "infra" / "main.bicep"
APP = REPO_ROOT / "infra" / "modules" / "backend-app.bicep"
PARAMETERS = json.loads((REPO_ROOT / "infra" / "main.parameters.json").read_text())["parameters"]


def main(**params: object) -> Template:
    return Template.of(MAIN.read_bytes(), environmentName="t", location="eastus2", **params)


def resource_group_tags(template: Template) -> object:
    """The resource group is the first resource ARM creates (everything else is deployed into it)."""
    (rg,) = [
        node
        for node in template.root.named_children
        if node.type == "resource_declaration" and bicep_ast.text(node.named_children[0]) == "rg"
    ]
    tags = bicep_ast.find_property(rg, "tags")[0]
    return template.eval(tags)


def test_a_deploy_without_keys_is_refused_before_anything_is_created() -> None:
    with pytest.raises(BicepFail, match="the API would be open to anyone"):
        resource_group_tags(main())
    with pytest.raises(BicepFail):
        resource_group_tags(main(semcacheApiKeys="", semcacheAdminKey="", allowAnonymous=False))


@pytest.mark.parametrize(
    "params",
    [
        {"semcacheApiKeys": "sk-semcache-0123456789=default"},
        {"semcacheAdminKey": "0123456789abcdef"},
        {"allowAnonymous": True},
    ],
)
def test_keys_or_an_explicit_allow_anonymous_deploy(params: dict[str, object]) -> None:
    resource_group_tags(main(**params))  # no BicepFail


def test_azd_passes_the_keys_and_never_allows_anonymous_by_default() -> None:
    assert PARAMETERS["allowAnonymous"]["value"] == "${SEMCACHE_ALLOW_ANONYMOUS=false}"
    assert PARAMETERS["semcacheApiKeys"]["value"] == "${SEMCACHE_API_KEYS=}"
    assert main().param("allowAnonymous") is False


def _deployed_llm_settings(**params: object) -> dict[str, object]:
    """LLM_MAX_TOKENS and LLM_REASONING_EFFORT as the backend module gets them from main.bicep."""
    template = main(**params)
    model = str(template.param("chatModelName"))
    return {
        "model": model,
        "gpt5": model.startswith("gpt-5"),
        "LLM_MAX_TOKENS": int(str(template.param("llmMaxTokens"))),
        "LLM_REASONING_EFFORT": template.param("chatReasoningEffort"),
    }


def deploy_problem(**params: object) -> str | None:
    """The app's own start-up check (semcache.llm.budget) applied to what the template deploys."""
    deployed = _deployed_llm_settings(**params)
    family = family_for(str(deployed["model"]))
    assert family is not None, "the default chat model is a GPT-5 class model"
    return config_problem(
        family,
        effort=deployed["LLM_REASONING_EFFORT"],  # type: ignore[arg-type]
        visible=int(str(deployed["LLM_MAX_TOKENS"])),
        reasoning_budget=None,
    )


def test_the_default_reasoning_deploy_leaves_room_for_an_answer() -> None:
    assert deploy_problem() is None
    assert _deployed_llm_settings()["LLM_REASONING_EFFORT"] == "low"


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"llmMaxTokens": 5}, "no room for an answer"),
        ({"chatReasoningEffort": "minimal"}, "not accepted by gpt-5.4-mini"),
    ],
)
def test_a_reasoning_deploy_without_room_fails_the_check(params: dict[str, object], why: str) -> None:
    problem = deploy_problem(**params)
    assert problem is not None and why in problem


def test_the_backend_gets_both_settings_for_a_gpt5_model() -> None:
    model = bicep_ast.parse(APP)
    env = {e["name"]: e.get("value", "") for e in model.env_entries}
    assert env["LLM_REASONING_EFFORT"] == "reasoningEffort" and env["LLM_MAX_TOKENS"] == "string(maxTokens)"
    backend = next(m for m in bicep_ast.parse(MAIN).modules if m.symbol == "backend")
    assert {"reasoningEffort", "maxTokens"} <= backend.params_passed


def test_redis_high_availability_is_for_the_production_profile() -> None:
    assert main().param("redisHighAvailability") is False
    assert main().param("backendMinReplicas") == 0  # the demo costs no compute while idle
    assert main(deploymentProfile="production").param("redisHighAvailability") is True
    assert main(deploymentProfile="production").param("backendMinReplicas") == 1
    assert PARAMETERS["deploymentProfile"]["value"] == "${SEMCACHE_PROFILE=demo}"
    assert "redisHighAvailability" not in PARAMETERS  # the profile decides, not a leftover default
