import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

/** Credentials and settings for one account of a connector; secrets sealed with AES-256-GCM. */
export interface ConnectionsTable {
  id: string;
  name: string;
  connector_id: string;
  settings: Json<Record<string, unknown>>;
  secrets: Buffer | null;
  secret_names: ColumnType<string[], string[] | undefined, string[]>;
  revision: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  created_by: string;
}

export interface IntegrationsTable {
  id: string;
  name: string;
  enabled: Generated<boolean>;
  current_version: number;
  revision: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  created_by: string;
}

/** Immutable: one row per saved definition. */
export interface IntegrationVersionsTable {
  integration_id: string;
  version: number;
  definition: Json;
  created_at: CreatedAt;
  created_by: string;
}

export interface IntegrationDependenciesTable {
  integration_id: string;
  version: number;
  connector_id: string;
  connector_version: string;
  connection_id: string | null;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  request_hash: Buffer;
  status: number | null;
  body: string | null;
  headers: Json<Record<string, string>> | null;
  created_at: CreatedAt;
}

export interface ConfigTables {
  connections: ConnectionsTable;
  integrations: IntegrationsTable;
  integration_versions: IntegrationVersionsTable;
  integration_dependencies: IntegrationDependenciesTable;
  idempotency_keys: IdempotencyKeysTable;
  oauth_authorizations: OAuthAuthorizationsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
}

/** An OAuth 2.0 authorization-code grant in progress (single use, short-lived). */
export interface OAuthAuthorizationsTable {
  state_hash: Buffer;
  connection_id: string;
  verifier: Buffer;
  redirect_uri: string;
  actor: string;
  created_at: CreatedAt;
  expires_at: Date;
}

/**
 * What a webhook subscription is: `pending` (being registered), `active`, `failed` (retrying or
 * given up, see `last_error`), `removing`, `removed`.
 */
export type SubscriptionState = 'pending' | 'active' | 'failed' | 'removing' | 'removed';

/** The webhook an integration's trigger registered at its system. */
export interface WebhookSubscriptionsTable {
  integration_id: string;
  state: SubscriptionState;
  /** SHA-256 (hex) of the registered URL, which carries the hook token and is not kept. */
  url_fingerprint: string | null;
  /** The trigger's `SubscriptionData`, sealed. */
  data: Buffer | null;
  connector_id: string;
  connector_version: string;
  trigger_key: string;
  connection_id: string | null;
  last_error: string | null;
  attempts: Generated<number>;
  updated_at: UpdatedAt;
}
