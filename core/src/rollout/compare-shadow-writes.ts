import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createIntegrationStateStore } from '../engine/integration-state-store.js';
import type { PluginSweepDeps } from '../engine/wait-poller.js';
import type { SweepTask } from '../engine/wait-sweeper.js';
import { compareRecord, type Finding } from './compare-records.js';

/** A shadow write due for comparison, with what reading its target needs. */
interface DueWrite {
  readonly id: string;
  readonly integration_id: string;
  readonly integration_version: number;
  readonly run_id: string;
  readonly event_id: string;
  readonly route_key: string;
  readonly step_key: string;
  readonly connector_id: string;
  readonly connector_version: string;
  readonly action_key: string;
  readonly action_kind: string;
  readonly intended: 'write' | 'none';
  readonly input: Record<string, unknown>;
  readonly target_key: string | null;
  readonly created_at: Date;
}

/** What reading the target gave: its record (or null), or why it could not be read. */
type Read =
  | { readonly ok: true; readonly actual: Record<string, unknown> | null }
  | { readonly ok: false; readonly error: string; readonly final: boolean };

/** How long a target that fails to answer is tried again before its write is `unreadable`. */
const GIVE_UP_MS = 24 * 3_600_000;
/** Until when a claimed write is left to the process that claimed it. */
const CLAIM_SECONDS = 60;

/**
 * The discrepancy check of shadow runs: each intended write whose settling delay has passed is
 * claimed (its `compare_at` moved on, so that no other process takes it), the target's record is
 * read through the action's `current()` (outside any transaction), and the outcome (`match` or
 * `discrepancy`, with one row per finding) is stored once. A target that cannot be read is tried
 * again after a minute, for a day; an action without `current()` is `unreadable` at once.
 */
export function compareShadowWrites(deps: PluginSweepDeps): SweepTask {
  const { db, logger } = deps;
  return {
    name: 'shadow comparisons',
    async run() {
      const { rows } = await sql<DueWrite>`
        update shadow_writes w set compare_at = now() + make_interval(secs => ${CLAIM_SECONDS})
        from runs r
        where w.id in (
          select id from shadow_writes
          where compared_at is null and compare_at <= now()
          order by compare_at limit ${deps.limit ?? 50}
          for update skip locked)
          and r.id = w.run_id
        returning w.id, w.integration_id, r.integration_version, w.run_id, r.event_id, w.route_key,
          w.step_key, w.connector_id, w.connector_version, w.action_key, w.action_kind,
          w.intended, w.input, w.target_key, w.created_at`.execute(db);
      let compared = 0;
      for (const write of rows) {
        try {
          const read = await readTarget(write);
          if (!read.ok && !read.final) {
            logger.warn(
              { shadowWrite: write.id, runId: write.run_id, error: read.error },
              'reading the target of a shadow write failed; it is read again in a minute',
            );
            continue;
          }
          const findings = read.ok
            ? compareRecord({
                input: write.input,
                actual: read.actual,
                intended: write.intended,
                actionKind: write.action_kind,
              })
            : [];
          await store(write, read, findings);
          compared++;
        } catch (error) {
          logger.warn({ err: error, shadowWrite: write.id }, 'comparing a shadow write failed');
        }
      }
      return compared;
    },
  };

  async function readTarget(write: DueWrite): Promise<Read> {
    const unreadable = (error: string, final = true): Read => ({ ok: false, error, final });
    const connector = deps.connectors.get(write.connector_id, write.connector_version);
    if (!connector)
      return unreadable(
        `Connector ${write.connector_id}@${write.connector_version} is not installed.`,
        Date.now() - new Date(write.created_at).getTime() > GIVE_UP_MS,
      );
    const action = connector.definition.actions?.find((a) => a.key === write.action_key);
    if (!action?.current)
      return unreadable(`Action "${write.action_key}" cannot read its target (no current()).`);
    const definition = await deps.definitionOf(write.integration_id, write.integration_version);
    const step = definition.routes
      .find((r) => r.key === write.route_key)
      ?.steps.find((s) => s.key === write.step_key);
    const settings = step?.kind === 'action' ? step.settings : undefined;
    const connectionId = step?.kind === 'action' ? step.connection : undefined;
    const row = connectionId ? await deps.connections.get(connectionId) : undefined;
    const call = (credentials: Record<string, unknown>) =>
      deps.executor.execute({
        connector,
        operation: { kind: 'action-current', action: write.action_key, input: write.input },
        credentials,
        connection: {
          id: row?.id ?? 'none',
          name: row?.name ?? 'none',
          settings: row?.settings ?? {},
        },
        idempotencyKey: `${write.event_id}:${write.route_key}:${write.step_key}:compare`,
        settings,
        timeoutMs: deps.timeoutMs ?? 30_000,
        state: createIntegrationStateStore(db, write.integration_id),
      });
    const result = row ? await deps.connections.callWith(row, call) : await call({});
    if (result.ok)
      return { ok: true, actual: (result.output ?? null) as Record<string, unknown> | null };
    return unreadable(
      result.error.message,
      !result.error.retryable || Date.now() - new Date(write.created_at).getTime() > GIVE_UP_MS,
    );
  }

  async function store(write: DueWrite, read: Read, findings: readonly Finding[]) {
    await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('shadow_writes')
        .set({
          compared_at: new Date(),
          outcome: !read.ok ? 'unreadable' : findings.length > 0 ? 'discrepancy' : 'match',
          actual: read.ok ? JSON.stringify(read.actual) : null,
          error: read.ok ? null : read.error,
        })
        .where('id', '=', write.id)
        .where('compared_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0 || findings.length === 0) return;
      await trx
        .insertInto('rollout_discrepancies')
        .values(
          findings.map((f) => ({
            id: `dsc_${randomUUID()}`,
            shadow_write_id: write.id,
            integration_id: write.integration_id,
            run_id: write.run_id,
            step_key: write.step_key,
            target_key: write.target_key,
            kind: f.kind,
            field: f.field,
            intended: JSON.stringify(f.intended ?? null),
            actual: JSON.stringify(f.actual ?? null),
          })),
        )
        .execute();
    });
  }
}
