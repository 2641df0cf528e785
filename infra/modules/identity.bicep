// The backend's user-assigned managed identity and what it may do: pull images from the registry and call
// the Azure OpenAI deployments. (Its Redis access is a data access policy, granted in redis.bicep.)
// User-assigned rather than system-assigned, so that the grants exist before the container app does and
// its first revision can already pull its image.

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object = {}

@description('Name of the user-assigned managed identity.')
param name string

@description('Name of the container registry the identity pulls from.')
param registryName string

@description('Name of the Azure OpenAI account the identity calls.')
param openAiAccountName string

@description('Object ID of the developer running azd (AZURE_PRINCIPAL_ID); also gets OpenAI access, for running the app locally against Azure. Empty: nobody.')
param developerPrincipalId string = ''

@description('Principal type of developerPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param developerPrincipalType string = 'User'

// Built-in role definition IDs (the same in every tenant).
var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'
var openAiUserRoleId = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource openAiAccount 'Microsoft.CognitiveServices/accounts@2025-06-01' existing = {
  name: openAiAccountName
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, acrPullRoleId)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
    principalId: identity.properties.principalId
    // Without it, a principal created moments ago may not have replicated yet and the grant fails.
    principalType: 'ServicePrincipal'
  }
}

resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAiAccount.id, identity.id, openAiUserRoleId)
  scope: openAiAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource developerOpenAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  name: guid(openAiAccount.id, developerPrincipalId, openAiUserRoleId)
  scope: openAiAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
  }
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
