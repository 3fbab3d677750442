import { createHash } from 'node:crypto';
import { type SubscriptionData, secretValues } from '@junction/connector-kit';
import { type Kysely, sql, type Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { ConnectionStore } from '../connections/connection-store.js';
import type { ConnectorSource, ResolvedConnector } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { SubscriptionState } from '../db/tables/config-tables.js';
import { hookPath, readHookToken } from '../engine/hook-tokens.js';
import type { ExecuteResult, Operation, PluginExecutor } from '../executor/plugin-executor.js';
import { currentDefinition } from '../integrations/current-definition.js';
import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import type { Logger } from '../log/create-logger.js';
import { redactValues } from '../secrets/redactor-of.js';
import type { SecretBox } from '../secrets/secret-box.js';

/** The graphile-worker task that brings an integration's webhook subscription where it should be. */
export const SUBSCRIPTION_TASK = 'subscription.sync';

export interface SubscriptionJobPayload {
  readonly integrationId: string;
}

/** Attempts before a failing subscription is left `failed` (graphile-worker's backoff between). */
const MAX_ATTEMPTS = 10;

/**
 * Queues the subscription of an integration to be brought up to date, in the caller's
 * transaction (enable, disable, webhook URL rotation, new version): one job per integration,
 * the newest request replacing a waiting one. Nothing is queued for integrations whose trigger
 * subscribes nothing and that hold no subscription.
 */
export async function queueSubscriptionSync(
  trx: Transaction<Database>,
  connectors: ConnectorSource,
  integrationId: string,
): Promise<void> {
  const wanted = await desiredTrigger(trx, connectors, integrationId);
  const held = await trx
    .selectFrom('webhook_subscriptions')
    .select('state')
    .where('integration_id', '=', integrationId)
    .executeTakeFirst();
  if (!wanted && (!held || held.state === 'removed')) return;
  await sql`select graphile_worker.add_job(${SUBSCRIPTION_TASK},
    json_build_object('integrationId', ${integrationId}::text), max_attempts := ${MAX_ATTEMPTS},
    job_key := ${`subscription:${integrationId}`}, job_key_mode := 'replace')`.execute(trx);
}

interface Wanted {
  readonly connector: ResolvedConnector;
  readonly definition: IntegrationDefinition;
  readonly enabled: boolean;
}

/** The integration's webhook trigger that can subscribe, if it has one (enabled or not). */
async function desiredTrigger(
  db: Kysely<Database>,
  connectors: ConnectorSource,
  integrationId: string,
): Promise<Wanted | undefined> {
  const row = await currentDefinition(db, integrationId);
  if (!row) return undefined;
  const { definition } = row;
  const connector = connectors.get(definition.trigger.connector, definition.trigger.version);
  const trigger = connector?.definition.triggers?.find((t) => t.key === definition.trigger.trigger);
  if (!connector || trigger?.kind !== 'webhook' || !trigger.subscribe) return undefined;
  return { connector, definition, enabled: row.enabled };
}

const fingerprint = (url: string) => createHash('sha256').update(url).digest('hex');

/**
 * The subscription task: registers the webhook URL with the trigger's system (`subscribe`) when
 * the integration is enabled, removes it (`unsubscribe`) when it is disabled, and does both when
 * the URL changed (a rotated webhook token). Each outcome is stored with its audit entry in one
 * transaction; a failure is stored (`failed`, the error redacted) and thrown, so graphile-worker
 * retries it with backoff. Only a fingerprint of the URL is stored (it carries the hook token).
 */
export function createSubscriptionSync(deps: {
  db: Kysely<Database>;
  box: SecretBox;
  connectors: ConnectorSource;
  connections: ConnectionStore;
  executor: PluginExecutor;
  publicUrl: () => string | undefined;
  logger: Logger;
}) {
  const { db, box } = deps;

  async function call(
    connector: ResolvedConnector,
    target: { readonly connectionId: string | null; readonly settings?: Record<string, unknown> },
    operation: Operation,
    integrationId: string,
  ): Promise<{ result: ExecuteResult; secrets: string[] }> {
    const connection = target.connectionId
      ? await deps.connections.get(target.connectionId)
      : undefined;
    let secrets: string[] = [];
    const run = (credentials: Record<string, unknown>) => {
      secrets = secretValues(connector.definition.auth, credentials);
      return deps.executor.execute({
        connector,
        operation,
        credentials,
        connection: {
          id: connection?.id ?? 'none',
          name: connection?.name ?? 'none',
          settings: connection?.settings ?? {},
        },
        idempotencyKey: `${operation.kind}:${integrationId}`,
        ...(target.settings ? { settings: target.settings } : {}),
        timeoutMs: 30_000,
      });
    };
    const result = connection ? await deps.connections.callWith(connection, run) : await run({});
    return { result, secrets };
  }

  async function record(
    integrationId: string,
    change: {
      state: SubscriptionState;
      wanted?: Wanted;
      url?: string | null;
      data?: SubscriptionData | null;
      error?: string | null;
      audit?: {
        readonly action: 'integration.subscription.create' | 'integration.subscription.delete';
        readonly connector: string;
        readonly trigger: string;
      };
    },
  ) {
    await db.transaction().execute(async (trx) => {
      const trigger = change.wanted?.definition.trigger;
      const values = {
        state: change.state,
        last_error: change.error ?? null,
        updated_at: new Date(),
        ...(change.url !== undefined
          ? { url_fingerprint: change.url && fingerprint(change.url) }
          : {}),
        ...(change.data !== undefined ? { data: change.data && box.seal(change.data) } : {}),
      };
      await trx
        .insertInto('webhook_subscriptions')
        .values({
          integration_id: integrationId,
          connector_id: trigger?.connector ?? '',
          connector_version: trigger?.version ?? '',
          trigger_key: trigger?.trigger ?? '',
          connection_id: trigger?.connection ?? null,
          attempts: change.state === 'failed' ? 1 : 0,
          ...values,
        })
        .onConflict((oc) =>
          oc.column('integration_id').doUpdateSet((eb) => ({
            ...values,
            ...(trigger
              ? {
                  connector_id: trigger.connector,
                  connector_version: trigger.version ?? '',
                  trigger_key: trigger.trigger,
                  connection_id: trigger.connection ?? null,
                }
              : {}),
            attempts:
              change.state === 'failed'
                ? eb('webhook_subscriptions.attempts', '+', 1)
                : change.state === 'active' || change.state === 'removed'
                  ? 0
                  : eb.ref('webhook_subscriptions.attempts'),
          })),
        )
        .execute();
      if (change.audit) {
        const { action, ...data } = change.audit;
        await recordAudit(trx, {
          actor: 'system',
          action,
          subjectType: 'integration',
          subjectId: integrationId,
          integrationId,
          data,
        });
      }
    });
  }

  async function fail(integrationId: string, what: string, error: unknown, secrets: string[]) {
    const message = String(redactValues((error as Error).message ?? String(error), secrets));
    await record(integrationId, { state: 'failed', error: `${what}: ${message}` });
    throw new Error(`${what} failed for integration ${integrationId}: ${message}`);
  }

  return async function syncSubscription(payload: SubscriptionJobPayload): Promise<void> {
    const { integrationId } = payload;
    const wanted = await desiredTrigger(db, deps.connectors, integrationId);
    const held = await db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('integration_id', '=', integrationId)
      .executeTakeFirst();
    const base = deps.publicUrl();
    const token = wanted?.enabled ? await readHookToken(db, box, integrationId) : undefined;
    if (wanted?.enabled && !base) {
      await fail(integrationId, 'subscribe', new Error('JUNCTION_PUBLIC_URL is not set'), []);
    }
    const url = wanted?.enabled && base && token ? `${base}${hookPath(token)}` : undefined;
    const registered = held?.data ? (box.open(held.data) as SubscriptionData) : undefined;

    // Remove what no longer fits: disabled, another URL, another trigger.
    if (registered && held && (!url || held.url_fingerprint !== fingerprint(url))) {
      const connector = deps.connectors.get(held.connector_id, held.connector_version || undefined);
      const same = wanted?.definition.trigger.trigger === held.trigger_key;
      const settings = same ? wanted?.definition.trigger.settings : undefined;
      await record(integrationId, { state: 'removing' });
      if (connector) {
        const { result, secrets } = await call(
          connector,
          { connectionId: held.connection_id, ...(settings ? { settings } : {}) },
          { kind: 'unsubscribe', trigger: held.trigger_key, subscription: registered },
          integrationId,
        );
        if (!result.ok) await fail(integrationId, 'unsubscribe', result.error, secrets);
      }
      await record(integrationId, {
        state: 'removed',
        url: null,
        data: null,
        ...(wanted ? { wanted } : {}),
        audit: {
          action: 'integration.subscription.delete',
          connector: held.connector_id,
          trigger: held.trigger_key,
        },
      });
      deps.logger.info({ integrationId }, 'webhook subscription removed');
    } else if (!url && held && held.state !== 'removed') {
      await record(integrationId, { state: 'removed', url: null, data: null });
    }
    if (!url || !wanted || (registered && held?.url_fingerprint === fingerprint(url))) return;

    await record(integrationId, { state: 'pending', wanted });
    const trigger = wanted.definition.trigger;
    const { result, secrets } = await call(
      wanted.connector,
      {
        connectionId: trigger.connection ?? null,
        ...(trigger.settings ? { settings: trigger.settings } : {}),
      },
      { kind: 'subscribe', trigger: wanted.definition.trigger.trigger, webhookUrl: url },
      integrationId,
    );
    if (!result.ok) await fail(integrationId, 'subscribe', result.error, secrets);
    await record(integrationId, {
      state: 'active',
      wanted,
      url,
      data: (result as { output: SubscriptionData }).output ?? {},
      audit: {
        action: 'integration.subscription.create',
        connector: trigger.connector,
        trigger: trigger.trigger,
      },
    });
    deps.logger.info({ integrationId }, 'webhook subscription active');
  };
}
