# azd preprovision hook (Windows): the same as ensure-keys.sh. When the azd environment has no
# SEMCACHE_API_KEYS / SEMCACHE_ADMIN_KEY yet, create random ones with `azd env set`; keys you set are kept.
# Only the azd environment counts (`azd env get-value`): a key exported in the shell is reported, never used.
$ErrorActionPreference = 'Stop'
# PowerShell 7.3+: a failing `azd env set` stops the hook too (earlier versions ignore this variable).
$PSNativeCommandUseErrorActionPreference = $true

function New-Key {
    $bytes = [byte[]]::new(32)
    [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    -join ($bytes | ForEach-Object { $_.ToString('x2') })
}

function Get-Stored([string]$Name) {
    # get-value fails for a name the environment does not hold: that is "nothing", not an error.
    $PSNativeCommandUseErrorActionPreference = $false
    $value = azd env get-value $Name 2>$null
    if ($LASTEXITCODE -ne 0) { return '' }
    return "$value".Trim()
}

function Write-FromShell([string]$Name) {
    if ([Environment]::GetEnvironmentVariable($Name)) {
        Write-Host "semcache: $Name is set in your shell but not in this azd environment: it is NOT used (a new key is made)."
        Write-Host "semcache:   to deploy with it on purpose:  azd env set $Name `$env:$Name"
    }
}

$created = @()
if (-not (Get-Stored 'SEMCACHE_API_KEYS')) {
    Write-FromShell 'SEMCACHE_API_KEYS'
    # SEMCACHE_API_KEYS holds key=tenant pairs; the first key serves the "default" tenant.
    azd env set SEMCACHE_API_KEYS "sk-semcache-$(New-Key)=default"
    $created += 'SEMCACHE_API_KEYS'
}
if (-not (Get-Stored 'SEMCACHE_ADMIN_KEY')) {
    Write-FromShell 'SEMCACHE_ADMIN_KEY'
    azd env set SEMCACHE_ADMIN_KEY (New-Key)
    $created += 'SEMCACHE_ADMIN_KEY'
}
if ($created.Count -gt 0) {
    Write-Host "semcache: generated $($created -join ' ') for this azd environment."
}
Write-Host "semcache: the API needs a key. Read yours with:  (azd env get-value SEMCACHE_API_KEYS).Split('=')[0]"
Write-Host 'semcache: the admin key:                         azd env get-value SEMCACHE_ADMIN_KEY'
