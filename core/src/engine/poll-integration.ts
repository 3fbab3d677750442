import type { PollResult } from '@junction/connector-kit';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { ConnectionStore } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import type { Logger } from '../log/create-logger.js';
import type { EventIngestor } from './event-ingestor.js';
import { createIntegrationStateStore } from './integration-state-store.js';
import {
  type PollJobPayload,
  pluginSettingsOf,
  pollIntervalSeconds,
  pollingTriggerOf,
  schedulePollSql,
} from './poll-schedule.js';
import { recordIdOf } from './webhook-ingress.js';

/** What one poll did. */
export type PollOutcome =
  | { readonly kind: 'polled'; readonly items: number; readonly accepted: number }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'busy' }
  | { readonly kind: 'not-polling' };

/** integration_state keys the poller owns. */
export const CURSOR_KEY = 'cursor';
export const POLL_STATUS_KEY = 'poll';

export interface PollerDeps {
  readonly pool: pg.Pool;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly connectors: ConnectorSource;
  readonly connections: ConnectionStore;
  readonly executor: PluginExecutor;
  readonly ingestor: EventIngestor;
  readonly timeoutMs?: number;
}

/**
 * The `trigger.poll` task: polls one integration once. One transaction holds the integration's
 * poll lock (a concurrent poll of the same integration skips), stores the new events with their
 * runs and jobs, saves the cursor and schedules the next poll; so a crash before the commit
 * repeats the poll from the old cursor, and one after it never skips or repeats a page. A failed
 * poll keeps the cursor, records why under the state key `poll` and is tried again next interval.
 */
export function createPoller(deps: PollerDeps) {
  const { pool, logger } = deps;

  return async function pollIntegration(payload: PollJobPayload): Promise<PollOutcome> {
    const { integrationId } = payload;
    const client = await pool.connect();
    try {
      await client.query('begin');
      const lock = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_xact_lock(hashtextextended($1, 11)) as ok',
        [`poll:${integrationId}`],
      );
      const row = await client.query<{ enabled: boolean; definition: IntegrationDefinition }>(
        `select i.enabled and ro.stage is distinct from 'off' as enabled, v.definition
         from integrations i
         join integration_versions v on v.integration_id = i.id and v.version = i.current_version
         left join integration_rollouts ro on ro.integration_id = i.id
         where i.id = $1`,
        [integrationId],
      );
      const integration = row.rows[0];
      const definition = integration?.definition;
      const trigger = definition ? pollingTriggerOf(deps.connectors, definition) : undefined;
      if (!integration?.enabled || !definition || !trigger) {
        // Disabled, off (rollout), deleted or no longer polling: the schedule ends here.
        await client.query('rollback');
        return { kind: 'not-polling' };
      }
      const seconds = pollIntervalSeconds(trigger, definition.trigger.settings);
      if (!lock.rows[0]?.ok) {
        // Another poll of this integration is running; it schedules the next one. Keep a
        // schedule in case it fails before its commit (preserve_run_at: its own wins).
        await client.query('rollback');
        await client.query(schedulePollSql, [integrationId, seconds, 'preserve_run_at']);
        return { kind: 'busy' };
      }
      const outcome = await pollOnce(client, integrationId, definition);
      await client.query(
        `insert into integration_state (integration_id, key, value) values ($1, $2, $3)
         on conflict (integration_id, key) do update set value = excluded.value, updated_at = now()`,
        [
          integrationId,
          POLL_STATUS_KEY,
          JSON.stringify({ at: new Date().toISOString(), ...outcome }),
        ],
      );
      await client.query(schedulePollSql, [integrationId, seconds, 'replace']);
      await client.query('commit');
      if (outcome.kind === 'failed')
        logger.warn({ integrationId, error: outcome.message }, 'poll failed');
      return outcome;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error; // graphile-worker retries the job (the schedule is kept by its key)
    } finally {
      client.release();
    }
  };

  async function pollOnce(
    client: pg.PoolClient,
    integrationId: string,
    definition: IntegrationDefinition,
  ): Promise<PollOutcome> {
    const ref = definition.trigger;
    const connector = deps.connectors.get(ref.connector, ref.version);
    if (!connector)
      return { kind: 'failed', message: `Connector ${ref.connector} is not installed.` };
    const stored = await client.query<{ value: unknown }>(
      'select value from integration_state where integration_id = $1 and key = $2',
      [integrationId, CURSOR_KEY],
    );
    const cursor = stored.rows[0] === undefined ? null : (stored.rows[0].value as string | null);
    const connection = ref.connection ? await deps.connections.get(ref.connection) : undefined;
    const poll = (credentials: Record<string, unknown>) =>
      deps.executor.execute({
        connector,
        operation: { kind: 'poll', trigger: ref.trigger, cursor },
        credentials,
        connection: {
          id: connection?.id ?? 'none',
          name: connection?.name ?? 'none',
          settings: connection?.settings ?? {},
        },
        settings: pluginSettingsOf(ref.settings),
        idempotencyKey: `poll:${integrationId}:${cursor ?? ''}`,
        timeoutMs: deps.timeoutMs ?? 60_000,
        state: createIntegrationStateStore(deps.db, integrationId),
        log: (entry) => logger.debug({ integrationId, plugin: entry }, 'plugin log'),
      });
    // OAuth 2.0 tokens are refreshed when due or refused, as for steps.
    let result: Awaited<ReturnType<typeof poll>>;
    try {
      result = connection ? await deps.connections.callWith(connection, poll) : await poll({});
    } catch (error) {
      return { kind: 'failed', message: (error as Error).message };
    }
    if (!result.ok) return { kind: 'failed', message: result.error.message };
    const page = result.output as PollResult<unknown>;
    const outcomes = await deps.ingestor.ingestWith(
      client,
      page.items.map((item) => ({
        integrationId,
        dedupeKey: item.dedupeKey,
        sourceRecord: ref.recordKey ? recordIdOf(item.data, ref.recordKey) : null,
        data: item.data,
      })),
    );
    if (page.cursor === null) {
      await client.query('delete from integration_state where integration_id = $1 and key = $2', [
        integrationId,
        CURSOR_KEY,
      ]);
    } else {
      await client.query(
        `insert into integration_state (integration_id, key, value) values ($1, $2, $3)
         on conflict (integration_id, key) do update set value = excluded.value, updated_at = now()`,
        [integrationId, CURSOR_KEY, JSON.stringify(page.cursor)],
      );
    }
    return {
      kind: 'polled',
      items: page.items.length,
      accepted: outcomes.filter((o) => o.kind === 'accepted').length,
    };
  }
}
