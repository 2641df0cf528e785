#!/bin/sh
# azd preprovision hook: give the deployed API keys before it is ever reachable.
#
# The Container App has external ingress, so an empty SEMCACHE_API_KEYS would let anyone spend the Azure
# OpenAI quota. When the azd environment has no SEMCACHE_API_KEYS / SEMCACHE_ADMIN_KEY yet, this creates
# random ones and stores them with `azd env set` (in .azure/<env>/.env, never in the repository);
# main.parameters.json hands them to main.bicep, which stores them as Container App secrets. Keys you set
# yourself (`azd env set SEMCACHE_API_KEYS ...`) are kept. azd passes the environment's values to hooks
# as environment variables and reloads the environment before reading the parameters (azure-dev #1714).
set -eu

new_key() {
  # 32 random bytes as 64 hex characters: URL-, header- and shell-safe.
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

created=""
if [ -z "${SEMCACHE_API_KEYS:-}" ]; then
  # SEMCACHE_API_KEYS holds key=tenant pairs; the first key serves the "default" tenant.
  azd env set SEMCACHE_API_KEYS "sk-semcache-$(new_key)=default"
  created=" SEMCACHE_API_KEYS"
fi
if [ -z "${SEMCACHE_ADMIN_KEY:-}" ]; then
  azd env set SEMCACHE_ADMIN_KEY "$(new_key)"
  created="$created SEMCACHE_ADMIN_KEY"
fi

if [ -n "$created" ]; then
  echo "semcache: generated${created} for this azd environment."
fi
echo "semcache: the API needs a key. Read yours with:  azd env get-value SEMCACHE_API_KEYS | cut -d= -f1"
echo "semcache: the admin key:                         azd env get-value SEMCACHE_ADMIN_KEY"
