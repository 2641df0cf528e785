// Azure OpenAI account with one chat and one embeddings deployment. API keys are disabled by default:
// the backend signs in with its managed identity ("Cognitive Services OpenAI User", see identity.bicep).

@description('Azure region of the account; model and SKU availability differ by region.')
param location string

@description('Tags applied to the account.')
param tags object = {}

@description('Account name; also its custom subdomain (https://<name>.openai.azure.com/).')
param name string

@description('Turn off key authentication, so that only Entra ID tokens are accepted.')
param disableLocalAuth bool = true

@description('Chat deployment name (what the app sends as the model).')
param chatDeploymentName string

@description('Chat model name.')
param chatModelName string

@description('Chat model version.')
param chatModelVersion string

@description('Deployment SKU of the chat model.')
@allowed(['GlobalStandard', 'DataZoneStandard', 'Standard'])
param chatDeploymentSku string = 'GlobalStandard'

@description('Chat capacity in thousands of tokens per minute.')
@minValue(1)
param chatDeploymentCapacity int

@description('Embeddings deployment name.')
param embeddingDeploymentName string

@description('Embeddings model name.')
param embeddingModelName string

@description('Embeddings model version.')
param embeddingModelVersion string

@description('Deployment SKU of the embeddings model.')
@allowed(['GlobalStandard', 'DataZoneStandard', 'Standard'])
param embeddingDeploymentSku string = 'GlobalStandard'

@description('Embeddings capacity in thousands of tokens per minute.')
@minValue(1)
param embeddingDeploymentCapacity int

resource account 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    // Entra ID tokens are only issued for accounts with a custom subdomain.
    customSubDomainName: name
    disableLocalAuth: disableLocalAuth
    publicNetworkAccess: 'Enabled'
  }
}

resource chat 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: chatDeploymentName
  sku: {
    name: chatDeploymentSku
    capacity: chatDeploymentCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: chatModelName
      version: chatModelVersion
    }
    versionUpgradeOption: 'OnceNewDefaultVersionAvailable'
  }
}

resource embedding 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: embeddingDeploymentName
  // The service rejects concurrent deployment operations on one account (409 Conflict).
  dependsOn: [
    chat
  ]
  sku: {
    name: embeddingDeploymentSku
    capacity: embeddingDeploymentCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: embeddingModelName
      version: embeddingModelVersion
    }
    versionUpgradeOption: 'NoAutoUpgrade'
  }
}

output name string = account.name
output endpoint string = account.properties.endpoint
output chatDeploymentName string = chat.name
output embeddingDeploymentName string = embedding.name
