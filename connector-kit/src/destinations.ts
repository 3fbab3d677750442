import type { ConnectorInput } from './define-connector.js';

/**
 * A connection's credentials and settings, as compared before and after a change.
 *
 * @example
 * ```ts
 * const before: ConnectionValues = { credentials: { host: 'db.internal' }, settings: {} };
 * ```
 */
export interface ConnectionValues {
  readonly credentials: Readonly<Record<string, unknown>>;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Where a value sends credentials: a URL by scheme, host and port; anything else as it is. */
function whereTo(value: unknown): string {
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      return `${url.protocol}//${url.host}`.toLowerCase();
    } catch {
      return value;
    }
  }
  return JSON.stringify(value ?? null);
}

/**
 * The JSON pointers (`/settings/baseUrl`, `/credentials/host`) of the destination fields whose
 * value changes between `before` and `after`: the connection's settings `baseUrl` (by origin) and
 * the fields the connector declares in `destinations`.
 *
 * @example
 * ```ts
 * changedDestinations(connector, { credentials: { host: 'a' }, settings: {} }, { credentials: { host: 'b' }, settings: {} });
 * // ['/credentials/host'] when the connector declares destinations: { credentials: ['host'] }
 * ```
 */
export function changedDestinations(
  connector: Pick<ConnectorInput, 'destinations'>,
  before: ConnectionValues,
  after: ConnectionValues,
): string[] {
  const settings = new Set(['baseUrl', ...(connector.destinations?.settings ?? [])]);
  const changed: string[] = [];
  for (const name of settings) {
    if (whereTo(before.settings[name]) !== whereTo(after.settings[name])) {
      changed.push(`/settings/${name}`);
    }
  }
  for (const name of connector.destinations?.credentials ?? []) {
    if (whereTo(before.credentials[name]) !== whereTo(after.credentials[name])) {
      changed.push(`/credentials/${name}`);
    }
  }
  return changed;
}
