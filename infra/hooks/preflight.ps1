# azd preprovision hook (Windows): the same checks as preflight.sh, before anything is created.
#   1. AZURE_PRINCIPAL_TYPE: detected (service principal in CI) unless the azd environment says.
#   2. Free-trial subscriptions refuse ACR remote builds: say so, and stop when no Docker answers.
#   3. The roles the deploying identity needs.
# A check that cannot run says so and lets azd go on.
$ErrorActionPreference = 'Stop'

function Say([string]$Text) { Write-Host "semcache: $Text" }

function Get-Stored([string]$Name) {
    $value = azd env get-value $Name 2>$null
    if ($LASTEXITCODE -ne 0) { return '' }
    return "$value".Trim()
}

function Test-Az {
    if (-not (Get-Command az -ErrorAction SilentlyContinue)) { return $false }
    az account show --only-show-errors *> $null
    return $LASTEXITCODE -eq 0
}

function Get-PrincipalType {
    $credential = "$env:AZURE_CLIENT_SECRET$env:AZURE_FEDERATED_TOKEN_FILE$env:AZURE_CLIENT_CERTIFICATE_PATH$env:ACTIONS_ID_TOKEN_REQUEST_URL$env:SYSTEM_OIDCREQUESTURI"
    if ($env:AZURE_CLIENT_ID -and $credential) {
        return @('ServicePrincipal', 'service-principal credentials in the environment (AZURE_CLIENT_ID)')
    }
    if (Test-Az) {
        switch ((az account show --query user.type -o tsv 2>$null)) {
            'servicePrincipal' { return @('ServicePrincipal', 'the az CLI is signed in as a service principal') }
            'user' { return @('User', 'the az CLI is signed in as a user') }
        }
    }
    return $null
}

if (-not (Get-Stored 'AZURE_PRINCIPAL_TYPE')) {
    $found = Get-PrincipalType
    if ($null -eq $found) {
        Say 'could not tell whether azd signed in as a user or a service principal; assuming User.'
        Say '  in CI (a service principal):  azd env set AZURE_PRINCIPAL_TYPE ServicePrincipal'
    } else {
        azd env set AZURE_PRINCIPAL_TYPE $found[0]
        Say "AZURE_PRINCIPAL_TYPE=$($found[0]) ($($found[1]))."
    }
}

$haveAz = Test-Az
$sub = Get-Stored 'AZURE_SUBSCRIPTION_ID'
if (-not $sub -and $haveAz) { $sub = az account show --query id -o tsv }

if (-not $haveAz) {
    Say 'could not check whether this subscription allows ACR remote builds (no signed-in az CLI).'
    Say '  on a free trial they are refused (TasksOperationsNotAllowed): have Docker running for a local build.'
} else {
    $quota = az rest --method get --only-show-errors --url "https://management.azure.com/subscriptions/$($sub)?api-version=2022-12-01" --query subscriptionPolicies.quotaId -o tsv 2>$null
    if (-not $quota) {
        Say "could not read the subscription's offer (quotaId); if it is a free trial, have Docker running."
    } elseif ($quota -like 'FreeTrial*') {
        Say "subscription $sub is a free trial ($quota): ACR refuses remote builds (TasksOperationsNotAllowed)."
        docker info *> $null
        if ($LASTEXITCODE -eq 0) {
            Say '  your local Docker will build the image instead: azd falls back to it on TasksOperationsNotAllowed'
            Say '  (azure-dev #9939); with an older azd, set remoteBuild: false in azure.yaml.'
        } else {
            Say '  and no Docker daemon answers here, so `azd deploy` could not build the image.'
            Say '  start Docker (or install it) and run azd again, or upgrade to pay-as-you-go. Nothing was created.'
            exit 1
        }
    }
}

$principal = Get-Stored 'AZURE_PRINCIPAL_ID'
$roles = @()
if ($principal -and $haveAz) {
    $roles = @(az role assignment list --assignee $principal --scope "/subscriptions/$sub" --include-inherited --include-groups --query '[].roleDefinitionName' -o tsv 2>$null)
}
$enough = ($roles -contains 'Owner') -or (($roles -contains 'Contributor') -and (($roles -contains 'User Access Administrator') -or ($roles -contains 'Role Based Access Control Administrator')))
if (-not $enough) {
    if ($roles.Count -gt 0) { Say "the deploying identity has: $($roles -join ', ')." }
    else { Say "could not check (or read) the deploying identity's roles." }
    Say '  it needs Owner, or Contributor and Role Based Access Control Administrator, on the subscription:'
    Say '  the template creates role assignments (AcrPull, Cognitive Services OpenAI User).'
}
