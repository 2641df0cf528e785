#!/bin/sh
# azd preprovision: the checks that save a half-made first deployment, then the API keys.
set -eu
hooks="$(dirname "$0")"
sh "$hooks/preflight.sh"
sh "$hooks/ensure-keys.sh"
