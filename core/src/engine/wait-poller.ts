import type { PollOutcome } from '@junction/connector-kit';
import { type Kysely, sql } from 'kysely';
import type { ConnectionStore } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import type { Logger } from '../log/create-logger.js';
import { createIntegrationStateStore } from './integration-state-store.js';
import { lockWait, settleWait } from './settle-wait.js';
import type { SweepTask } from './wait-sweeper.js';

/** A wait whose poll is due, with what polling it needs. */
interface DuePoll {
  readonly id: string;
  readonly run_id: string;
  readonly route_key: string;
  readonly step_key: string;
  readonly connector_id: string;
  readonly connector_version: string;
  readonly action_key: string;
  readonly integration_id: string;
  readonly integration_version: number;
  readonly event_id: string;
  readonly poll: { readonly everySeconds: number; readonly state: unknown };
}

/**
 * Claims due polls by moving each one's next poll an interval on (exported for the plan test of
 * hot statements).
 */
export function claimDuePollsQuery(limit: number) {
  return sql<DuePoll>`
        update run_waits w set next_poll_at = now() + make_interval(secs => (w.poll->>'everySeconds')::float8)
        from runs r
        where w.id in (
          select id from run_waits
          where state = 'waiting' and next_poll_at <= now()
          order by next_poll_at limit ${limit}
          for update skip locked)
          and r.id = w.run_id
        returning w.id, w.run_id, w.route_key, w.step_key, w.connector_id, w.connector_version,
          w.action_key, w.integration_id, r.integration_version, r.event_id, w.poll`;
}

/** What a sweep task that calls plugins needs; `limit`: items per sweep. */
export interface PluginSweepDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly connectors: ConnectorSource;
  readonly connections: ConnectionStore;
  readonly executor: PluginExecutor;
  readonly definitionOf: (integrationId: string, version: number) => Promise<IntegrationDefinition>;
  readonly timeoutMs?: number;
  readonly limit?: number;
}

/**
 * Polls parked steps that wait with a poll schedule: each due wait is claimed by moving its next
 * poll one interval on (so that another process does not poll it too), then the action's `poll`
 * runs through the executor, outside any transaction. A `done` answer settles the wait (its
 * output becomes the step's, the run is queued again); any other answer or failure leaves it
 * to the next poll or its deadline.
 */
export function pollDueWaits(deps: PluginSweepDeps): SweepTask {
  const { db, logger } = deps;
  return {
    name: 'wait polls',
    async run() {
      const { rows } = await claimDuePollsQuery(deps.limit ?? 20).execute(db);
      let settled = 0;
      for (const wait of rows) {
        try {
          const outcome = await pollOne(wait);
          if (!outcome) continue;
          if (!outcome.done) {
            if (outcome.state !== undefined)
              await db
                .updateTable('run_waits')
                .set({ poll: JSON.stringify({ ...wait.poll, state: outcome.state }) })
                .where('id', '=', wait.id)
                .where('state', '=', 'waiting')
                .execute();
            continue;
          }
          await db.transaction().execute(async (trx) => {
            const locked = await lockWait(trx, wait.id);
            if (!locked.ok) return;
            await settleWait(
              trx,
              locked,
              { kind: 'output', output: outcome.output },
              {
                actor: 'system',
                action: 'wait.resume',
                data: {
                  step: `${wait.route_key}/${wait.step_key}`,
                  kind: 'poll',
                  output: outcome.output,
                },
              },
            );
            settled++;
          });
        } catch (error) {
          logger.warn(
            { err: error, waitId: wait.id, runId: wait.run_id },
            'polling a parked step failed',
          );
        }
      }
      return settled;
    },
  };

  async function pollOne(wait: DuePoll): Promise<PollOutcome | undefined> {
    const connector = deps.connectors.get(wait.connector_id, wait.connector_version);
    if (!connector) return undefined;
    const definition = await deps.definitionOf(wait.integration_id, wait.integration_version);
    const step = definition.routes
      .find((r) => r.key === wait.route_key)
      ?.steps.find((s) => s.key === wait.step_key);
    if (step?.kind !== 'action') return undefined;
    const row = step.connection ? await deps.connections.get(step.connection) : undefined;
    const credentials = row ? await deps.connections.resolve(row) : {};
    const result = await deps.executor.execute({
      connector,
      operation: { kind: 'action-poll', action: wait.action_key, state: wait.poll.state },
      credentials,
      connection: {
        id: row?.id ?? 'none',
        name: row?.name ?? 'none',
        settings: row?.settings ?? {},
      },
      idempotencyKey: `${wait.event_id}:${wait.route_key}:${wait.step_key}`,
      settings: step.settings,
      timeoutMs: deps.timeoutMs ?? 30_000,
      state: createIntegrationStateStore(db, wait.integration_id),
    });
    if (!result.ok) {
      logger.warn(
        { waitId: wait.id, runId: wait.run_id, error: result.error.toJSON() },
        'the poll of a parked step failed; it is polled again next interval',
      );
      return undefined;
    }
    return result.output as PollOutcome;
  }
}
