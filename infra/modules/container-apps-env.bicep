// The Container Apps environment (consumption workload profile), logging to Log Analytics.

@description('Azure region of the environment.')
param location string

@description('Tags applied to the environment.')
param tags object = {}

@description('Environment name.')
param name string

@description('Name of the Log Analytics workspace that receives console and system logs.')
param logAnalyticsName string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        // Read during the deployment and handed straight to the environment; never an output.
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: false
  }
}

output name string = environment.name
output id string = environment.id
output defaultDomain string = environment.properties.defaultDomain
