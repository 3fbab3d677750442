import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SubscriptionState } from '../db/tables/config-tables.js';

/** An integration's webhook subscription as the API shows it (no URL, no subscription data). */
export interface SubscriptionView {
  readonly state: SubscriptionState;
  readonly connector: string;
  readonly trigger: string;
  /** Why the last attempt failed (secrets redacted); `null` once it worked. */
  readonly lastError: string | null;
  /** Failed attempts since the last success; graphile-worker retries with backoff up to 10. */
  readonly attempts: number;
  readonly updatedAt: string;
}

/** The subscription of one integration, or `null` when its trigger never subscribed. */
export async function subscriptionOf(
  db: Kysely<Database>,
  integrationId: string,
): Promise<SubscriptionView | null> {
  const row = await db
    .selectFrom('webhook_subscriptions')
    .select(['state', 'connector_id', 'trigger_key', 'last_error', 'attempts', 'updated_at'])
    .where('integration_id', '=', integrationId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    state: row.state,
    connector: row.connector_id,
    trigger: row.trigger_key,
    lastError: row.last_error,
    attempts: row.attempts,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
