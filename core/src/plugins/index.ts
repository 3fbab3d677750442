export type { CatalogueConnector, CatalogueEntry, PluginCatalogue } from './plugin-catalogue.js';
export { createPluginCatalogue } from './plugin-catalogue.js';
export { PLUGIN_CHANNEL } from './plugin-listener.js';
export { PluginOperationError } from './plugin-operation-error.js';
export type { PluginActor, PluginInstallSummary, PluginService } from './plugin-service.js';
export type { PluginSettings } from './plugin-settings.js';
export { pluginSettings } from './plugin-settings.js';
export { type PluginVersionUser, pluginVersionUsers } from './plugin-version-users.js';
export { type PluginHost, type StartPluginsOptions, startPlugins } from './start-plugins.js';
