// semcache on Azure: `azd up` provisions this and deploys the backend image into the Container App.
//
//   rg-<env>
//   ├─ Log Analytics + Application Insights      modules/monitoring.bicep
//   ├─ Container Registry                        modules/registry.bicep
//   ├─ Azure OpenAI (chat + embeddings)          modules/openai.bicep
//   ├─ managed identity (AcrPull, OpenAI User)   modules/identity.bicep
//   ├─ Azure Managed Redis + RediSearch          modules/redis.bicep
//   ├─ Container Apps environment                modules/container-apps-env.bicep
//   └─ backend Container App (API + UI)          modules/backend-app.bicep
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource except Azure OpenAI.')
param location string

@description('Region of the Azure OpenAI account: model and quota availability differ by region.')
param openAiLocation string = 'eastus2'

@description('Object ID of the developer running azd (AZURE_PRINCIPAL_ID), granted OpenAI access for local runs. Empty: nobody.')
param principalId string = ''

@description('Principal type of principalId: the preprovision hook sets AZURE_PRINCIPAL_TYPE to ServicePrincipal when azd signed in as one (CI); a wrong type fails the role assignment with UnmatchedPrincipalType.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@description('demo (default): Redis without a replica and the app scaled to zero when idle. production: Redis high availability and one replica always running.')
@allowed(['demo', 'production'])
param deploymentProfile string = 'demo'

@description('Whether the backend app exists already (azd sets SERVICE_BACKEND_RESOURCE_EXISTS).')
param backendExists bool = false

// Defaults: infra/defaults.json records each model's retirement date and the Azure page it came from;
// tests/infra/test_model_defaults.py fails once a default is retired or drifts from that file.
@description('Chat model deployed on Azure OpenAI (GlobalStandard in openAiLocation; see infra/defaults.json).')
param chatModelName string = 'gpt-5.4-mini'

@description('Version of the chat model.')
param chatModelVersion string = '2026-03-17'

@description('Azure OpenAI data-plane API version the app calls (AZURE_OPENAI_API_VERSION); GPT-5 class parameters need 2025-04-01-preview or later.')
param openAiApiVersion string = '2025-04-01-preview'

@description('Chat deployment name; defaults to the model name.')
param chatDeploymentName string = chatModelName

@description('Deployment SKU of the chat model.')
@allowed(['GlobalStandard', 'DataZoneStandard', 'Standard'])
param chatDeploymentSku string = 'GlobalStandard'

@description('Chat capacity in thousands of tokens per minute (subject to your quota).')
@minValue(1)
param chatDeploymentCapacity int = 30

@description('Embeddings model deployed on Azure OpenAI.')
param embeddingModelName string = 'text-embedding-3-small'

@description('Version of the embeddings model.')
param embeddingModelVersion string = '1'

@description('Embeddings deployment name; defaults to the model name.')
param embeddingDeploymentName string = embeddingModelName

@description('Deployment SKU of the embeddings model.')
@allowed(['GlobalStandard', 'DataZoneStandard', 'Standard'])
param embeddingDeploymentSku string = 'GlobalStandard'

@description('Embeddings capacity in thousands of tokens per minute (subject to your quota).')
@minValue(1)
param embeddingDeploymentCapacity int = 30

@description('Width of the Azure embeddings (the `dimensions` parameter of text-embedding-3-*): 512 keeps ~2.3x more entries in Redis than 1536. Changing it starts a new index.')
@minValue(64)
@maxValue(3072)
param embeddingDimensions int = 512

@description('Which embedder the app uses: azure (the deployment above) or local (the ONNX model in the image).')
@allowed(['azure', 'local'])
param embeddingProvider string = 'azure'

@description('Azure Managed Redis SKU. Balanced_B0 holds ~56k entries at 512 dimensions (infra/defaults.json, redis_sizing).')
param redisSkuName string = 'Balanced_B0'

@description('Redis high availability (a replica on a second node; about doubles the Redis cost). Default: on for the production profile only.')
param redisHighAvailability bool = deploymentProfile == 'production'

@description('Authenticate to Redis with Entra ID (true) or access keys (false).')
param redisUseEntraId bool = true

@description('Replica bounds of the backend Container App. Default minimum: 0 for the demo profile (nothing runs, nothing is billed for the app while idle; the first request waits for a start), 1 for production.')
@minValue(0)
param backendMinReplicas int = deploymentProfile == 'production' ? 1 : 0

@minValue(1)
param backendMaxReplicas int = 3

@description('SEMCACHE_API_KEYS for the deployed API. azd fills it (infra/hooks/ensure-keys); empty with no admin key: the deployment is refused unless allowAnonymous is true.')
@secure()
param semcacheApiKeys string = ''

@description('SEMCACHE_ADMIN_KEY for the deployed API. azd fills it (infra/hooks/ensure-keys); empty: no admin API.')
@secure()
param semcacheAdminKey string = ''

@description('Deploy the API with no key at all: anyone who finds its URL can spend the Azure OpenAI quota. Off: a deployment without keys stops before anything is created.')
param allowAnonymous bool = false

@description('LLM_REASONING_EFFORT of a GPT-5 class chat model: low keeps the demo fast and cheap (gpt-5.4-mini takes low, medium, high; the app checks the value against the model at start).')
@allowed(['minimal', 'low', 'medium', 'high'])
param chatReasoningEffort string = 'low'

@description('LLM_MAX_TOKENS: the visible answer of /ask. For a GPT-5 class model the app adds room for reasoning on top (semcache/llm/budget.py).')
@minValue(16)
param llmMaxTokens int = 256

var tags = {
  'azd-env-name': environmentName
  app: 'semcache'
}
// Short, stable per subscription + environment + region; makes the globally unique names unique.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var appPort = 8000

// An open API is never an accident. With no key, ARM stops at the first resource, the resource group, before
// anything is created or billed, unless allowAnonymous says so. (tests/infra/test_bicep_guards.py evaluates it.)
var openApi = empty(semcacheApiKeys) && empty(semcacheAdminKey)
var rgTags = openApi && !allowAnonymous
  ? fail('semcacheApiKeys and semcacheAdminKey are both empty: the API would be open to anyone. Deploy with azd (its preprovision hook creates keys), pass keys, or set allowAnonymous=true to deploy an open API on purpose.')
  : tags

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: rgTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cr${resourceToken}'
  }
}

module openAi 'modules/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    location: openAiLocation
    tags: tags
    name: 'oai-${resourceToken}'
    chatDeploymentName: chatDeploymentName
    chatModelName: chatModelName
    chatModelVersion: chatModelVersion
    chatDeploymentSku: chatDeploymentSku
    chatDeploymentCapacity: chatDeploymentCapacity
    embeddingDeploymentName: embeddingDeploymentName
    embeddingModelName: embeddingModelName
    embeddingModelVersion: embeddingModelVersion
    embeddingDeploymentSku: embeddingDeploymentSku
    embeddingDeploymentCapacity: embeddingDeploymentCapacity
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-backend-${resourceToken}'
    registryName: registry.outputs.name
    openAiAccountName: openAi.outputs.name
    developerPrincipalId: principalId
    developerPrincipalType: principalType
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'redis-${resourceToken}'
    skuName: redisSkuName
    highAvailability: redisHighAvailability
    useEntraId: redisUseEntraId
    accessPrincipalId: identity.outputs.principalId
  }
}

module containerAppsEnv 'modules/container-apps-env.bicep' = {
  name: 'container-apps-env'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cae-${resourceToken}'
    logAnalyticsName: monitoring.outputs.logAnalyticsName
  }
}

module backend 'modules/backend-app.bicep' = {
  name: 'backend'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'ca-backend-${resourceToken}'
    environmentId: containerAppsEnv.outputs.id
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    registryLoginServer: registry.outputs.loginServer
    exists: backendExists
    appPort: appPort
    minReplicas: backendMinReplicas
    maxReplicas: backendMaxReplicas
    openAiEndpoint: openAi.outputs.endpoint
    chatDeploymentName: openAi.outputs.chatDeploymentName
    chatIsGpt5: startsWith(chatModelName, 'gpt-5')
    reasoningEffort: chatReasoningEffort
    maxTokens: llmMaxTokens
    openAiApiVersion: openAiApiVersion
    embeddingDeploymentName: openAi.outputs.embeddingDeploymentName
    embeddingProvider: embeddingProvider
    embeddingDimensions: embeddingDimensions
    redisName: redis.outputs.name
    redisHostName: redis.outputs.hostName
    redisPort: redis.outputs.port
    redisUseEntraId: redisUseEntraId
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    apiKeys: semcacheApiKeys
    adminKey: semcacheAdminKey
  }
}

// azd stores these in .azure/<env>/.env (`azd env get-values`). The AZURE_OPENAI_* names are the app's
// own settings, so the same file can drive a local run against the Azure resources.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_ENVIRONMENT_NAME string = containerAppsEnv.outputs.name
output SERVICE_BACKEND_NAME string = backend.outputs.name
// Not AZURE_CLIENT_ID: locally that would make azure-identity try a managed identity that isn't there.
output SERVICE_BACKEND_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output BACKEND_URI string = backend.outputs.uri
// The backend serves the UI too.
output FRONTEND_URI string = backend.outputs.uri
output REDIS_HOST string = redis.outputs.hostName
output REDIS_PORT int = redis.outputs.port
output AZURE_REDIS_NAME string = redis.outputs.name
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint
output AZURE_OPENAI_CHAT_MODEL string = openAi.outputs.chatDeploymentName
output AZURE_OPENAI_EMBEDDING_MODEL string = openAi.outputs.embeddingDeploymentName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
