// Azure Managed Redis (Microsoft.Cache/redisEnterprise): one cluster, its single database "default" with
// the RediSearch module (FT.CREATE / FT.SEARCH vector KNN). TLS only.
//
// Authentication: Entra ID by default. The backend's managed identity gets the "default" data access
// policy, access keys are disabled, and REDIS_URL carries no secret (the app authenticates with
// redis-entraid). With useEntraId = false, access keys are enabled and backend-app.bicep puts the
// primary key into the REDIS_URL secret instead.

@description('Azure region of the cache.')
param location string

@description('Tags applied to the cache.')
param tags object = {}

@description('Cluster name.')
param name string

@description('SKU: Balanced_B0 (the smallest, 0.5 GB) by default; Balanced_B1, B3, ... add memory and vCPUs.')
param skuName string = 'Balanced_B0'

@description('Replicate the data to a second node (the SLA needs it; off halves the cost for dev/test).')
param highAvailability bool = true

@description('Use Entra ID (managed identity) instead of access keys.')
param useEntraId bool = true

@description('Object ID of the managed identity granted data access when useEntraId is true.')
param accessPrincipalId string = ''

resource cluster 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: highAvailability ? 'Enabled' : 'Disabled'
    // Container Apps on the consumption plan reach it over the public endpoint (TLS + auth required).
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: cluster
  // Azure Managed Redis has exactly one database, and it must be called "default".
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    // EnterpriseCluster: the proxy presents one endpoint, so a plain (non-cluster) redis-py client works
    // and FT.SEARCH sees the whole index. OSSCluster would need a cluster-aware client.
    clusteringPolicy: 'EnterpriseCluster'
    // RediSearch requires NoEviction; entries expire through their TTL (CACHE_TTL) instead.
    evictionPolicy: 'NoEviction'
    modules: [
      {
        name: 'RediSearch'
      }
    ]
    accessKeysAuthentication: useEntraId ? 'Disabled' : 'Enabled'
  }
}

resource backendAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-07-01' = if (useEntraId && !empty(accessPrincipalId)) {
  parent: database
  // Letters and digits only (the API's name pattern), stable for one principal.
  name: 'backend${uniqueString(accessPrincipalId)}'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: accessPrincipalId
    }
  }
}

output name string = cluster.name
output databaseName string = database.name
output hostName string = cluster.properties.hostName
output port int = database.properties.port
