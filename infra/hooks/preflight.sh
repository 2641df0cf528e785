#!/bin/sh
# azd preprovision hook, before anything is created: what would make a first `azd up` fail half-way.
#
# 1. AZURE_PRINCIPAL_TYPE. The template grants the deploying identity "Cognitive Services OpenAI User";
#    a service principal (CI) granted as a "User" fails with UnmatchedPrincipalType. Detected here unless
#    the azd environment already says.
# 2. Free-trial subscriptions refuse ACR remote builds (TasksOperationsNotAllowed); azd then builds with a
#    local Docker. Said here, before provisioning: with no Docker running, stop now rather than after
#    Redis and OpenAI exist and bill.
# 3. The roles the deploying identity needs (it creates role assignments): checked when the az CLI can.
#
# Every check that cannot run (no az CLI, no network, no permission to read) says so and lets azd go on.
set -eu

say() { echo "semcache: $*"; }

stored() {
  azd env get-value "$1" 2>/dev/null || true
}

have_az() {
  command -v az >/dev/null 2>&1 && az account show --only-show-errors >/dev/null 2>&1
}

principal_type() {
  # A service principal's credentials in the environment: azd's CI logins (GitHub OIDC, Azure Pipelines,
  # client secret or certificate) all come with AZURE_CLIENT_ID and one of these.
  if [ -n "${AZURE_CLIENT_ID:-}" ] && [ -n "${AZURE_CLIENT_SECRET:-}${AZURE_FEDERATED_TOKEN_FILE:-}${AZURE_CLIENT_CERTIFICATE_PATH:-}${ACTIONS_ID_TOKEN_REQUEST_URL:-}${SYSTEM_OIDCREQUESTURI:-}" ]; then
    echo "ServicePrincipal service-principal credentials in the environment (AZURE_CLIENT_ID)"
    return
  fi
  if have_az; then
    case "$(az account show --query user.type -o tsv 2>/dev/null || true)" in
      servicePrincipal) echo "ServicePrincipal the az CLI is signed in as a service principal" ;;
      user) echo "User the az CLI is signed in as a user" ;;
    esac
  fi
}

check_principal_type() {
  if [ -n "$(stored AZURE_PRINCIPAL_TYPE)" ]; then
    return
  fi
  found="$(principal_type)"
  if [ -z "$found" ]; then
    say "could not tell whether azd signed in as a user or a service principal; assuming User."
    say "  in CI (a service principal):  azd env set AZURE_PRINCIPAL_TYPE ServicePrincipal"
    return
  fi
  kind="${found%% *}"
  azd env set AZURE_PRINCIPAL_TYPE "$kind"
  say "AZURE_PRINCIPAL_TYPE=$kind (${found#* })."
}

subscription() {
  sub="$(stored AZURE_SUBSCRIPTION_ID)"
  [ -n "$sub" ] || sub="$(az account show --query id -o tsv 2>/dev/null || true)"
  echo "$sub"
}

check_remote_build() {
  if ! have_az; then
    say "could not check whether this subscription allows ACR remote builds (no signed-in az CLI)."
    say "  on a free trial they are refused (TasksOperationsNotAllowed): have Docker running for a local build."
    return 0
  fi
  sub="$(subscription)"
  quota="$(az rest --method get --only-show-errors \
    --url "https://management.azure.com/subscriptions/$sub?api-version=2022-12-01" \
    --query subscriptionPolicies.quotaId -o tsv 2>/dev/null || true)"
  case "$quota" in
    "")
      say "could not read the subscription's offer (quotaId); if it is a free trial, have Docker running." ;;
    FreeTrial*)
      say "subscription $sub is a free trial ($quota): ACR refuses remote builds (TasksOperationsNotAllowed)."
      if docker info >/dev/null 2>&1; then
        say "  your local Docker will build the image instead: azd falls back to it on TasksOperationsNotAllowed"
        say "  (azure-dev #9939); with an older azd, set remoteBuild: false in azure.yaml."
      else
        say "  and no Docker daemon answers here, so \`azd deploy\` could not build the image."
        say "  start Docker (or install it) and run azd again, or upgrade to pay-as-you-go. Nothing was created."
        return 1
      fi ;;
  esac
  return 0
}

check_roles() {
  # Creating role assignments needs Owner, or Contributor with User Access Administrator or Role Based
  # Access Control Administrator, on the subscription (the template creates the resource group too).
  principal="$(stored AZURE_PRINCIPAL_ID)"
  if [ -z "$principal" ] || ! have_az; then
    say "could not check the deploying identity's roles; it needs Owner, or Contributor and"
    say "  Role Based Access Control Administrator (or User Access Administrator), on the subscription."
    return
  fi
  roles="$(az role assignment list --assignee "$principal" --scope "/subscriptions/$(subscription)" \
    --include-inherited --include-groups --query "[].roleDefinitionName" -o tsv 2>/dev/null || true)"
  has() { echo "$roles" | grep -qx "$1"; }
  if has Owner || { has Contributor && { has "User Access Administrator" ||
    has "Role Based Access Control Administrator"; }; }; then
    return
  fi
  if [ -z "$roles" ]; then
    say "could not read the deploying identity's roles (no permission to list them, or none)."
  else
    say "the deploying identity has: $(echo "$roles" | tr '\n' ',' | sed 's/,$//')."
  fi
  say "  it needs Owner, or Contributor and Role Based Access Control Administrator, on the subscription:"
  say "  the template creates role assignments (AcrPull, Cognitive Services OpenAI User)."
}

check_principal_type
check_remote_build
check_roles
