// The backend Container App: FastAPI API + UI on one port, pulled from the registry and authenticated
// to Azure OpenAI and Redis with the user-assigned managed identity. azd finds it by the tag
// azd-service-name=backend and replaces the image on `azd deploy`.

@description('Azure region of the app.')
param location string

@description('Tags applied to the app (azd-service-name is added here).')
param tags object = {}

@description('Container App name.')
param name string

@description('Resource ID of the Container Apps environment.')
param environmentId string

@description('Resource ID of the user-assigned managed identity.')
param identityId string

@description('Client ID of that identity (AZURE_CLIENT_ID for azure-identity and redis-entraid).')
param identityClientId string

@description('Login server of the registry holding the image.')
param registryLoginServer string

@description('Whether the app exists already (azd: SERVICE_BACKEND_RESOURCE_EXISTS). Keeps the deployed image on re-provision.')
param exists bool = false

@description('Port the app listens on (PORT).')
param appPort int = 8000

@description('vCPUs per replica; with memory, one of the allowed Container Apps combinations.')
param cpu string = '0.5'

@description('Memory per replica.')
param memory string = '1Gi'

@minValue(0)
@maxValue(30)
param minReplicas int = 1

@minValue(1)
@maxValue(300)
param maxReplicas int = 3

@description('Concurrent HTTP requests per replica before another replica is added.')
param concurrentRequests int = 50

@description('LOG_LEVEL of the app.')
param logLevel string = 'INFO'

@description('Azure OpenAI endpoint.')
param openAiEndpoint string

@description('Chat deployment name.')
param chatDeploymentName string

@description('Whether the chat deployment is a GPT-5-family model (the app then uses AZURE_OPENAI_GPT5_MODEL).')
param chatIsGpt5 bool = false

@description('LLM_REASONING_EFFORT, set for a GPT-5 class model only.')
param reasoningEffort string = 'low'

@description('LLM_MAX_TOKENS: the visible answer of /ask (a reasoning model gets room for reasoning on top).')
param maxTokens int = 256

@description('AZURE_OPENAI_API_VERSION: the data-plane API version the app calls.')
param openAiApiVersion string

@description('Embeddings deployment name.')
param embeddingDeploymentName string

@description('EMBEDDING_DIMS for the azure embedder (the `dimensions` parameter of text-embedding-3-*).')
param embeddingDimensions int

@description('EMBEDDING_PROVIDER: azure (the embeddings deployment) or local (the ONNX model in the image).')
@allowed(['azure', 'local'])
param embeddingProvider string = 'azure'

@description('Name of the Azure Managed Redis cluster.')
param redisName string

@description('Host name of the Redis endpoint.')
param redisHostName string

@description('TLS port of the Redis endpoint.')
param redisPort int

@description('true: Entra ID (REDIS_URL without password); false: the access key goes into REDIS_URL.')
param redisUseEntraId bool = true

@description('Name of the Application Insights component the app exports telemetry to.')
param applicationInsightsName string

@description('SEMCACHE_API_KEYS for the app; empty leaves the API open.')
@secure()
param apiKeys string = ''

@description('SEMCACHE_ADMIN_KEY for the app; empty disables the admin endpoints.')
@secure()
param adminKey string = ''

// Shown until the first `azd deploy` pushes the real image. `azd deploy` swaps only the image: the ingress port,
// probes and env of this first revision stay until the next `azd provision`. So the placeholder must answer
// on the app's port (the ASP.NET sample listens where ASPNETCORE_HTTP_PORTS says; the variable is harmless to
// the app), and this revision has no HTTP probes (the sample has no /health/*): Container Apps then probes
// the ingress port over TCP, which both the placeholder and the app pass. The next provision (exists=true)
// adds the app's own probes. tests/infra/test_container_app_probes.py holds the ports together.
var placeholder = {
  image: 'mcr.microsoft.com/dotnet/samples:aspnetapp'
  port: appPort
  portVariable: 'ASPNETCORE_HTTP_PORTS'
}

resource existingApp 'Microsoft.App/containerApps@2025-07-01' existing = if (exists) {
  name: name
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource redisCluster 'Microsoft.Cache/redisEnterprise@2025-07-01' existing = {
  name: redisName
}

resource redisDatabase 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' existing = {
  parent: redisCluster
  name: 'default'
}

// The key is URL-encoded because it may contain '/', '+' or '='; redis-py decodes it. The key branch is
// only evaluated when keys are enabled.
var redisUrl = redisUseEntraId
  ? 'rediss://${redisHostName}:${redisPort}'
  : 'rediss://:${uriComponent(redisDatabase.listKeys().primaryKey)}@${redisHostName}:${redisPort}'

var baseSecrets = [
  {
    name: 'redis-url'
    value: redisUrl
  }
  {
    name: 'appinsights-connection-string'
    value: applicationInsights.properties.ConnectionString
  }
]
var apiKeySecrets = empty(apiKeys) ? [] : [
  {
    name: 'semcache-api-keys'
    value: apiKeys
  }
]
var adminKeySecrets = empty(adminKey) ? [] : [
  {
    name: 'semcache-admin-key'
    value: adminKey
  }
]

var baseEnv = [
  {
    name: 'PORT'
    value: string(appPort)
  }
  {
    name: 'LOG_LEVEL'
    value: logLevel
  }
  {
    name: 'REDIS_URL'
    secretRef: 'redis-url'
  }
  {
    // Makes azure-identity and redis-entraid use this identity (the app may have several).
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'AZURE_OPENAI_ENDPOINT'
    value: openAiEndpoint
  }
  {
    name: 'AZURE_OPENAI_EMBEDDING_MODEL'
    value: embeddingDeploymentName
  }
  {
    name: 'AZURE_OPENAI_API_VERSION'
    value: openAiApiVersion
  }
  {
    name: 'EMBEDDING_PROVIDER'
    value: embeddingProvider
  }
  {
    name: 'LLM_PROVIDER'
    value: 'azure'
  }
  {
    name: 'LLM_MAX_TOKENS'
    value: string(maxTokens)
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    secretRef: 'appinsights-connection-string'
  }
  {
    // The role name in Application Insights' application map (OpenTelemetry SDK variable).
    name: 'OTEL_SERVICE_NAME'
    value: 'semcache-backend'
  }
]
var chatEnv = chatIsGpt5
  ? [
      {
        name: 'AZURE_OPENAI_GPT5_MODEL'
        value: chatDeploymentName
      }
      {
        // A low effort keeps short answers within LLM_MAX_TOKENS plus the app's reasoning room.
        name: 'LLM_REASONING_EFFORT'
        value: reasoningEffort
      }
    ]
  : [
      {
        name: 'AZURE_OPENAI_CHAT_MODEL'
        value: chatDeploymentName
      }
    ]
// The local ONNX embedder has a fixed width; only the Azure embedder takes `dimensions`.
var embeddingEnv = embeddingProvider == 'azure'
  ? [
      {
        name: 'EMBEDDING_DIMS'
        value: string(embeddingDimensions)
      }
    ]
  : []
var placeholderEnv = [
  {
    name: placeholder.portVariable
    value: string(placeholder.port)
  }
]
var apiKeyEnv = empty(apiKeys) ? [] : [
  {
    name: 'SEMCACHE_API_KEYS'
    secretRef: 'semcache-api-keys'
  }
]
var adminKeyEnv = empty(adminKey) ? [] : [
  {
    name: 'SEMCACHE_ADMIN_KEY'
    secretRef: 'semcache-admin-key'
  }
]

// The probe contract (api/routes/health.py): /health/live is 200 while the process serves HTTP, /health/ready
// while it can answer, also with Redis down, loading or full (it then bypasses the cache). So a Redis outage
// neither restarts replicas nor takes them out of load balancing. timeoutSeconds 5: the 1 s default is below
// the app's 2 s Redis timeout.
var appProbes = [
  {
    // Generous: the first start loads the ONNX embedder.
    type: 'Startup'
    httpGet: {
      path: '/health/live'
      port: appPort
    }
    initialDelaySeconds: 3
    periodSeconds: 5
    timeoutSeconds: 5
    failureThreshold: 24
  }
  {
    type: 'Liveness'
    httpGet: {
      path: '/health/live'
      port: appPort
    }
    periodSeconds: 30
    timeoutSeconds: 5
    failureThreshold: 3
  }
  {
    type: 'Readiness'
    httpGet: {
      path: '/health/ready'
      port: appPort
    }
    periodSeconds: 10
    timeoutSeconds: 5
    failureThreshold: 3
  }
]

resource app 'Microsoft.App/containerApps@2025-07-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'backend' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: appPort
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
      secrets: concat(baseSecrets, apiKeySecrets, adminKeySecrets)
    }
    template: {
      containers: [
        {
          name: 'backend'
          image: exists ? existingApp!.properties.template.containers[0].image : placeholder.image
          env: concat(baseEnv, chatEnv, embeddingEnv, apiKeyEnv, adminKeyEnv, exists ? [] : placeholderEnv)
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          // None on the placeholder revision (see `placeholder`): Container Apps' default TCP probes on the
          // ingress port apply to it.
          probes: exists ? appProbes : []
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: string(concurrentRequests)
              }
            }
          }
        ]
      }
    }
  }
}

output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
