#!/bin/sh
# azd preprovision hook: give the deployed API keys before it is ever reachable.
#
# The Container App has external ingress, so an empty SEMCACHE_API_KEYS would let anyone spend the Azure
# OpenAI quota (main.bicep refuses that anyway unless allowAnonymous=true). When the azd environment has no
# SEMCACHE_API_KEYS / SEMCACHE_ADMIN_KEY yet, this creates random ones and stores them with `azd env set`
# (in .azure/<env>/.env, never in the repository); main.parameters.json hands them to main.bicep, which
# stores them as Container App secrets. Keys you set yourself (`azd env set SEMCACHE_API_KEYS ...`) are kept.
#
# Only the azd environment counts: azd hands hooks its values as environment variables, but a variable
# exported in your shell looks the same, and a key from the shell (another project's, an old test's) must
# never become this deployment's key without a word. So the environment is read with `azd env get-value`, and
# a shell key is reported and left unused. azd reloads the environment before reading the parameters
# (azure-dev #1714), and its own values win over the shell's there.
set -eu

new_key() {
  # 32 random bytes as 64 hex characters: URL-, header- and shell-safe.
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

stored() {
  # The value in this azd environment, or nothing (get-value fails for a name it does not hold).
  azd env get-value "$1" 2>/dev/null || true
}

from_shell() {
  # $1: the name; $2: its value in the shell.
  if [ -n "$2" ]; then
    echo "semcache: $1 is set in your shell but not in this azd environment: it is NOT used (a new key is made)."
    echo "semcache:   to deploy with it on purpose:  azd env set $1 \"\$$1\""
  fi
}

created=""
if [ -z "$(stored SEMCACHE_API_KEYS)" ]; then
  from_shell SEMCACHE_API_KEYS "${SEMCACHE_API_KEYS:-}"
  # SEMCACHE_API_KEYS holds key=tenant pairs; the first key serves the "default" tenant.
  azd env set SEMCACHE_API_KEYS "sk-semcache-$(new_key)=default"
  created=" SEMCACHE_API_KEYS"
fi
if [ -z "$(stored SEMCACHE_ADMIN_KEY)" ]; then
  from_shell SEMCACHE_ADMIN_KEY "${SEMCACHE_ADMIN_KEY:-}"
  azd env set SEMCACHE_ADMIN_KEY "$(new_key)"
  created="$created SEMCACHE_ADMIN_KEY"
fi

if [ -n "$created" ]; then
  echo "semcache: generated${created} for this azd environment."
fi
echo "semcache: the API needs a key. Read yours with:  azd env get-value SEMCACHE_API_KEYS | cut -d= -f1"
echo "semcache: the admin key:                         azd env get-value SEMCACHE_ADMIN_KEY"
