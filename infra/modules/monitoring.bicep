// Log Analytics (Container Apps console and system logs) and workspace-based Application Insights
// (the app's OpenTelemetry traces and metrics, via APPLICATIONINSIGHTS_CONNECTION_STRING).

@description('Azure region of the resources.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Days of log retention; 30 is the free retention of the PerGB2018 tier.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
  }
}

output logAnalyticsName string = logAnalytics.name
output applicationInsightsName string = applicationInsights.name
