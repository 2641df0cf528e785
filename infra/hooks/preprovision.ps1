# azd preprovision (Windows): the checks that save a half-made first deployment, then the API keys.
$ErrorActionPreference = 'Stop'
& "$PSScriptRoot/preflight.ps1"
if ($LASTEXITCODE) { exit $LASTEXITCODE }
& "$PSScriptRoot/ensure-keys.ps1"
