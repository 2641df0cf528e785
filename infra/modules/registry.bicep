// The registry azd pushes the backend image to. No admin user: the app pulls with its managed identity
// (AcrPull, granted in identity.bicep) and azd pushes with the signed-in developer's token.

@description('Azure region of the registry.')
param location string

@description('Tags applied to the registry.')
param tags object = {}

@description('Registry name: 5-50 alphanumeric characters, globally unique.')
@minLength(5)
@maxLength(50)
param name string

@description('Basic is enough for one image pushed a few times a day.')
@allowed(['Basic', 'Standard', 'Premium'])
param sku string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
