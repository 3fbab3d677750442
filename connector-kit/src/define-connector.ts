import type { ActionDefinition } from './action.js';
import type { AuthDefinition } from './auth.js';
import type { RecordTypeDefinition } from './record-type.js';
import type { TriggerDefinition } from './trigger.js';

/**
 * What a plugin author writes in `defineConnector`.
 *
 * @example
 * ```ts
 * const input: ConnectorInput = { id: 'acme', name: 'Acme', description: 'Acme API', version: '1.0.0', contract: '^1.0.0', auth: { kind: 'none' } };
 * ```
 */
export interface ConnectorInput {
  /** Lowercase kebab-case, globally unique (`acme-crm`). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** The connector's own semver version (usually the package version). */
  readonly version: string;
  /** The kit contract range or version it targets, e.g. `^1.0.0`. */
  readonly contract: string;
  readonly auth: AuthDefinition;
  readonly recordTypes?: readonly RecordTypeDefinition[];
  readonly triggers?: readonly TriggerDefinition[];
  readonly actions?: readonly ActionDefinition[];
  readonly homepage?: string;
  /**
   * The API's base URL; the platform gives `ctx.http` this base unless the connection's
   * settings carry their own `baseUrl` (regional or self-hosted instances).
   */
  readonly baseUrl?: string;
  /**
   * The API's limits per connection (account): at most `requests` calls per `perSeconds`, and
   * (since contract 1.9) at most `concurrency` calls in flight at once. Junction enforces both
   * through each connection across all its worker processes, deferring the steps beyond them
   * instead of failing them; an operator can override each per connection (its settings'
   * `rateLimit`).
   *
   * @example
   * ```ts
   * rateLimit: { requests: 10, perSeconds: 1, concurrency: 4 },
   * ```
   */
  readonly rateLimit?: ConnectorRateLimit;
  /**
   * The connection fields that say where its credentials are sent (since contract 1.7). Changing
   * one requires the connection's secrets to be given again in the same request, so that nobody
   * who may edit a connection can send its stored secrets to a host of their choosing. The
   * connection setting `baseUrl` is always one (compared by origin); declare the rest, such as a
   * database's host and port. URL values are compared by scheme, host and port.
   *
   * @example
   * ```ts
   * destinations: { credentials: ['host', 'port', 'connectionString'], settings: ['region'] }
   * ```
   */
  readonly destinations?: DestinationFields;
}

/**
 * A connector's limits per connection: a rate (`requests` per `perSeconds`, given together), a
 * bound on calls in flight at once (`concurrency`, since contract 1.9), or both.
 *
 * @example
 * ```ts
 * const limit: ConnectorRateLimit = { concurrency: 2 };
 * ```
 */
export type ConnectorRateLimit =
  | { readonly requests: number; readonly perSeconds: number; readonly concurrency?: number }
  | { readonly concurrency: number };

/**
 * Connection fields that are destinations, by where they sit: credential fields (declared by the
 * auth) and connection settings.
 *
 * @example
 * ```ts
 * const destinations: DestinationFields = { credentials: ['host', 'port'] };
 * ```
 */
export interface DestinationFields {
  readonly credentials?: readonly string[];
  readonly settings?: readonly string[];
}

/**
 * A connector as `defineConnector` returns it: the input plus `kind: 'connector'`.
 *
 * @example
 * ```ts
 * function load(connector: ConnectorDefinition) { return buildManifest(connector); }
 * ```
 */
export type ConnectorDefinition<D extends ConnectorInput = ConnectorInput> = D & {
  readonly kind: 'connector';
};

/**
 * Declares a connector. It does not throw on mistakes: run {@link validateConnector} (the
 * `junction-kit validate` command and `checkSamples` do) to get every problem at once.
 *
 * @example
 * ```ts
 * export default defineConnector({
 *   id: 'acme-crm', name: 'Acme CRM', description: 'Contacts and deals in Acme',
 *   version: '1.0.0', contract: '^1.0.0',
 *   auth: { kind: 'apiKey', in: 'header', name: 'X-Api-Key' },
 *   recordTypes: [contact], triggers: [contactCreated], actions: [createContact],
 * });
 * ```
 */
export function defineConnector<const D extends ConnectorInput>(
  definition: D,
): ConnectorDefinition<D> {
  return { ...definition, kind: 'connector' };
}

/**
 * Whether a value (for example a plugin module's default export) looks like a connector.
 *
 * @example
 * ```ts
 * const mod = await import(entry);
 * const connector = isConnectorDefinition(mod.default) ? mod.default : mod.connector;
 * ```
 */
export function isConnectorDefinition(value: unknown): value is ConnectorDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'connector' &&
    typeof (value as { id?: unknown }).id === 'string'
  );
}
