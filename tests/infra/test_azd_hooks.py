"""infra/hooks: `azd up` never deploys an open API, never takes a key from the shell without saying so, and
says before provisioning what would make the first deployment fail half-way.

azd, az and docker are not installed here: stand-ins on PATH behave as they do for what the hooks call.
`azd env set NAME VALUE` stores NAME="VALUE" in the environment's .env and `azd env get-value NAME` reads it
back (exit 1 for a name the environment does not hold); `az` answers from a script a test gives it. PATH
holds only the stand-ins and the few tools the hooks use, so no real CLI on this machine is reached.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from semcache.auth import parse_pairs
from tests.infra.app_settings import REPO_ROOT

HOOKS = REPO_ROOT / "infra" / "hooks"
TOOLS = ("sh", "od", "tr", "grep", "sed", "dirname", "cat")

pytestmark = pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS), reason="needs a POSIX shell and its tools")

AZD = """#!/bin/sh
store="{store}"
case "$1 $2" in
  "env set") printf '%s="%s"\\n' "$3" "$4" >> "$store" ;;
  "env get-value")
    grep -q "^$3=" "$store" 2>/dev/null || {{ echo "ERROR: key '$3' not found" >&2; exit 1; }}
    line=$(grep "^$3=" "$store" | sed -n '$p')
    value=${{line#*=}}; value=${{value#\\"}}; echo "${{value%\\"}}" ;;
  *) exit 2 ;;
esac
"""


@dataclass
class Run:
    values: dict[str, str]
    out: str
    code: int


def _run(
    tmp_path: Path,
    hook: str,
    *,
    stored: dict[str, str] | None = None,
    az: str | None = None,
    docker_ok: bool | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in TOOLS:
        target = bin_dir / tool
        if not target.exists():
            target.symlink_to(shutil.which(tool) or tool)
    store = tmp_path / ".env"
    store.write_text("".join(f'{k}="{v}"\n' for k, v in (stored or {}).items()))
    stubs = {"azd": AZD.format(store=store)}
    if az is not None:
        stubs["az"] = "#!/bin/sh\n" + az
    if docker_ok is not None:
        stubs["docker"] = f"#!/bin/sh\nexit {0 if docker_ok else 1}\n"
    for name, body in stubs.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    result = subprocess.run(
        ["sh", str(HOOKS / hook)],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    values = {}
    for line in store.read_text().splitlines():
        name, _, value = line.partition("=")
        values[name] = value.strip('"')
    return Run(values, result.stdout + result.stderr, result.returncode)


# --- ensure-keys ----------------------------------------------------------------------------------------


def test_missing_keys_are_generated_as_valid_secrets(tmp_path: Path) -> None:
    run = _run(tmp_path, "ensure-keys.sh")
    assert run.code == 0, run.out
    keys = parse_pairs(run.values["SEMCACHE_API_KEYS"])  # the app's own parser accepts it
    ((key, tenant),) = keys.items()
    assert tenant == "default" and len(key) >= 64
    assert len(run.values["SEMCACHE_ADMIN_KEY"]) == 64
    assert key not in run.out and run.values["SEMCACHE_ADMIN_KEY"] not in run.out  # secrets never reach the log
    assert "azd env get-value SEMCACHE_API_KEYS" in run.out
    again = _run(tmp_path / "second", "ensure-keys.sh")  # a second environment gets different keys
    assert again.values["SEMCACHE_API_KEYS"] != run.values["SEMCACHE_API_KEYS"]


def test_keys_in_the_azd_environment_are_kept(tmp_path: Path) -> None:
    mine = {"SEMCACHE_API_KEYS": "my-own-key-123=acme", "SEMCACHE_ADMIN_KEY": "my-admin-key-456"}
    run = _run(tmp_path, "ensure-keys.sh", stored=mine, env=mine)  # azd also hands them to the hook as env
    assert run.code == 0 and run.values == mine and "generated" not in run.out


def test_a_key_exported_in_the_shell_is_never_reused_silently(tmp_path: Path) -> None:
    shell = {"SEMCACHE_API_KEYS": "shell-key-0001=someone", "SEMCACHE_ADMIN_KEY": "shell-admin-0001"}
    run = _run(tmp_path, "ensure-keys.sh", env=shell)
    assert run.code == 0, run.out
    assert run.values["SEMCACHE_API_KEYS"] != shell["SEMCACHE_API_KEYS"]
    assert run.values["SEMCACHE_ADMIN_KEY"] != shell["SEMCACHE_ADMIN_KEY"]
    assert "SEMCACHE_API_KEYS is set in your shell but not in this azd environment: it is NOT used" in run.out
    assert "shell-key-0001" not in run.out  # named, never printed


def test_the_powershell_hooks_exist_beside_the_posix_ones() -> None:
    for name in ("ensure-keys", "preflight", "preprovision"):
        assert (HOOKS / f"{name}.ps1").is_file() and (HOOKS / f"{name}.sh").is_file()
    assert "azd env get-value" in (HOOKS / "ensure-keys.ps1").read_text()


def test_azure_yaml_runs_the_checks_and_the_keys_before_provisioning() -> None:
    hooks = yaml.safe_load((REPO_ROOT / "azure.yaml").read_text())["hooks"]["preprovision"]
    assert hooks["posix"]["run"] == "./infra/hooks/preprovision.sh"
    assert hooks["windows"]["run"] == "./infra/hooks/preprovision.ps1"
    wrapper = (HOOKS / "preprovision.sh").read_text()
    assert wrapper.index("preflight.sh") < wrapper.index("ensure-keys.sh")
    params = (REPO_ROOT / "infra" / "main.parameters.json").read_text()
    assert "${SEMCACHE_API_KEYS" in params and "${SEMCACHE_ADMIN_KEY" in params


# --- preflight ------------------------------------------------------------------------------------------

SIGNED_IN_AZ = """case "$1 $2" in
  "account show") [ "$3" = "--query" ] && case "$4" in user.type) echo {user} ;; id) echo sub-1 ;; esac; exit 0 ;;
  "rest --method") echo {quota} ;;
  "role assignment") printf '{roles}' ;;
esac
"""


def az(user: str = "user", quota: str = "PayAsYouGo_2014-09-01", roles: str = "Owner\\n") -> str:
    return SIGNED_IN_AZ.format(user=user, quota=quota, roles=roles)


def test_a_ci_service_principal_is_detected(tmp_path: Path) -> None:
    ci = {"AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001", "AZURE_FEDERATED_TOKEN_FILE": "/t"}
    run = _run(tmp_path, "preflight.sh", env=ci)
    assert run.code == 0, run.out
    assert run.values["AZURE_PRINCIPAL_TYPE"] == "ServicePrincipal"


def test_the_az_login_tells_the_principal_type(tmp_path: Path) -> None:
    run = _run(tmp_path, "preflight.sh", az=az(user="servicePrincipal"), stored={"AZURE_PRINCIPAL_ID": "p-1"})
    assert run.code == 0 and run.values["AZURE_PRINCIPAL_TYPE"] == "ServicePrincipal", run.out
    user = _run(tmp_path / "u", "preflight.sh", az=az(user="user"))
    assert user.values["AZURE_PRINCIPAL_TYPE"] == "User"


def test_a_type_already_set_is_kept_and_an_unknown_one_is_said(tmp_path: Path) -> None:
    kept = _run(tmp_path, "preflight.sh", stored={"AZURE_PRINCIPAL_TYPE": "Group"}, az=az(user="servicePrincipal"))
    assert kept.values == {"AZURE_PRINCIPAL_TYPE": "Group"}
    unknown = _run(tmp_path / "n", "preflight.sh")  # no az, no credentials
    assert unknown.code == 0 and "AZURE_PRINCIPAL_TYPE" not in unknown.values
    assert "could not tell whether azd signed in as a user or a service principal" in unknown.out


def test_without_az_every_check_says_it_could_not_run(tmp_path: Path) -> None:
    run = _run(tmp_path, "preflight.sh")
    assert run.code == 0
    assert "could not check whether this subscription allows ACR remote builds" in run.out
    assert "could not check the deploying identity's roles" in run.out


def test_a_free_trial_without_docker_stops_before_provisioning(tmp_path: Path) -> None:
    run = _run(tmp_path, "preflight.sh", az=az(quota="FreeTrial_2014-09-01"), docker_ok=False)
    assert run.code != 0
    assert "TasksOperationsNotAllowed" in run.out and "start Docker" in run.out and "Nothing was created" in run.out


def test_a_free_trial_with_docker_builds_locally(tmp_path: Path) -> None:
    run = _run(tmp_path, "preflight.sh", az=az(quota="FreeTrial_2014-09-01"), docker_ok=True)
    assert run.code == 0 and "your local Docker will build the image" in run.out


def test_a_paid_subscription_says_nothing_about_builds(tmp_path: Path) -> None:
    run = _run(tmp_path, "preflight.sh", az=az(), stored={"AZURE_PRINCIPAL_ID": "p-1"})
    assert run.code == 0 and "remote build" not in run.out and "needs Owner" not in run.out


def test_missing_roles_are_named(tmp_path: Path) -> None:
    run = _run(tmp_path, "preflight.sh", az=az(roles="Contributor\\n"), stored={"AZURE_PRINCIPAL_ID": "p-1"})
    assert run.code == 0
    assert "the deploying identity has: Contributor." in run.out
    assert "Role Based Access Control Administrator" in run.out
    enough = _run(
        tmp_path / "ok",
        "preflight.sh",
        az=az(roles="Contributor\\nRole Based Access Control Administrator\\n"),
        stored={"AZURE_PRINCIPAL_ID": "p-1"},
    )
    assert "needs Owner" not in enough.out


def test_preprovision_runs_both(tmp_path: Path) -> None:
    run = _run(tmp_path, "preprovision.sh", az=az(), stored={"AZURE_PRINCIPAL_ID": "p-1"})
    assert run.code == 0, run.out
    assert {"AZURE_PRINCIPAL_TYPE", "SEMCACHE_API_KEYS", "SEMCACHE_ADMIN_KEY"} <= run.values.keys()
