/**
 * @junction/plugin-http: any REST API as a connector. The `request` action calls the
 * connection's base URL with its auth (none, API key, basic, bearer, OAuth 2.0 access token),
 * timeouts and retries; the `webhook-received` trigger accepts signed JSON webhooks.
 *
 * @example
 * ```ts
 * import http from '@junction/plugin-http';
 * ```
 */
import { defineConnector } from '@junction/connector-kit';
import { sendRequest } from './actions/send-request.js';
import { httpAuth } from './http-auth.js';
import { webhookReceived } from './triggers/webhook-received.js';

export { webhookSettingsFields } from './webhook-settings.js';

/**
 * The generic HTTP connector.
 *
 * @example
 * ```ts
 * validateConnector(connector); // []
 * ```
 */
export const connector = defineConnector({
  id: 'http',
  name: 'HTTP / REST',
  description:
    'Calls any JSON REST API with its authentication, and receives signed JSON webhooks.',
  version: '0.1.0',
  contract: '^1.10.0',
  // The connection setting baseUrl (always a destination) is where every request goes.
  destinations: { settings: ['baseUrl'] },
  auth: httpAuth,
  triggers: [webhookReceived],
  actions: [sendRequest],
});

export default connector;
