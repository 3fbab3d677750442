import type { PollingTrigger } from '@junction/connector-kit';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import { currentDefinition } from '../integrations/current-definition.js';
import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import type { Logger } from '../log/create-logger.js';

/** The graphile-worker task that polls one integration's trigger. */
export const POLL_TASK = 'trigger.poll';

/** A poll job's payload. */
export interface PollJobPayload {
  readonly integrationId: string;
}

/** Seconds between polls when neither the integration nor the trigger says. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 60;

/** The one job key of an integration's poll schedule. */
export function pollJobKey(integrationId: string): string {
  return `poll:${integrationId}`;
}

/** The trigger an integration definition names, when it is a polling trigger of an installed connector. */
export function pollingTriggerOf(
  connectors: ConnectorSource,
  definition: IntegrationDefinition,
): PollingTrigger | undefined {
  const connector = connectors.get(definition.trigger.connector, definition.trigger.version);
  const trigger = connector?.definition.triggers?.find((t) => t.key === definition.trigger.trigger);
  return trigger?.kind === 'polling' ? trigger : undefined;
}

/**
 * Seconds between polls: the integration's trigger setting `intervalSeconds`, else the trigger's
 * own `intervalSeconds`, else 60; never under 1.
 */
export function pollIntervalSeconds(
  trigger: PollingTrigger | undefined,
  settings: Readonly<Record<string, unknown>> | undefined,
): number {
  const configured = settings?.intervalSeconds;
  const seconds =
    typeof configured === 'number' && Number.isFinite(configured)
      ? configured
      : (trigger?.intervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS);
  return Math.max(1, seconds);
}

/** Why a trigger setting `intervalSeconds` is refused, or undefined when it is a number of seconds from 1 to 86400. */
export function pollIntervalProblem(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number of seconds';
  if (value < 1 || value > 86_400) return 'must be between 1 and 86400 seconds';
  return undefined;
}

/** The trigger settings handed to plugin code: `intervalSeconds` is the platform's, not the plugin's. */
export function pluginSettingsOf(
  settings: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const { intervalSeconds: _, ...rest } = settings ?? {};
  return rest;
}

/**
 * SQL that (re)schedules a poll: $1 integration id, $2 seconds from now, $3 job key mode
 * (`replace` moves an existing schedule, `preserve_run_at` keeps it).
 */
export const schedulePollSql = `
  select graphile_worker.add_job('${POLL_TASK}', json_build_object('integrationId', $1::text),
    run_at := now() + make_interval(secs => $2::double precision), max_attempts := 5,
    job_key := 'poll:' || $1::text, job_key_mode := $3::text)`;

/**
 * Makes an integration's poll schedule match its state, inside the caller's transaction: enabled
 * with a polling trigger, a job exists (`immediately`: it runs now, as when the integration is
 * turned on); otherwise no job is left.
 */
export async function syncPollSchedule(
  trx: Transaction<Database>,
  connectors: ConnectorSource,
  integrationId: string,
  options: { immediately: boolean },
): Promise<void> {
  const row = await currentDefinition(trx, integrationId);
  const definition = row?.definition;
  const trigger = definition ? pollingTriggerOf(connectors, definition) : undefined;
  if (row?.enabled && trigger && definition) {
    const seconds = options.immediately
      ? 0
      : pollIntervalSeconds(trigger, definition.trigger.settings);
    await sql`select graphile_worker.add_job(${POLL_TASK}, json_build_object('integrationId', ${integrationId}::text),
      run_at := now() + make_interval(secs => ${seconds}::double precision), max_attempts := 5,
      job_key := ${pollJobKey(integrationId)}, job_key_mode := ${options.immediately ? 'replace' : 'preserve_run_at'})`.execute(
      trx,
    );
  } else {
    await sql`select graphile_worker.remove_job(${pollJobKey(integrationId)})`.execute(trx);
  }
}

/**
 * Run at every worker start: enabled integrations with a polling trigger and no poll job get one
 * (due now; an existing schedule is kept), and poll jobs of integrations that are disabled, gone
 * or no longer polling are removed. Integrations whose connector is not installed are left alone.
 */
export async function reconcilePollSchedules(
  db: Kysely<Database>,
  connectors: ConnectorSource,
  logger: Logger,
): Promise<{ scheduled: number; removed: number }> {
  const rows = await db
    .selectFrom('integrations as i')
    .innerJoin('integration_versions as v', (j) =>
      j.onRef('v.integration_id', '=', 'i.id').onRef('v.version', '=', 'i.current_version'),
    )
    .select(['i.id', 'i.enabled', 'v.definition'])
    .execute();
  const polling: string[] = [];
  const unknown = new Set<string>();
  for (const row of rows) {
    const definition = row.definition as IntegrationDefinition;
    const connector = connectors.get(definition.trigger.connector, definition.trigger.version);
    if (!connector) unknown.add(row.id);
    else if (row.enabled && pollingTriggerOf(connectors, definition)) polling.push(row.id);
  }
  return db.transaction().execute(async (trx) => {
    const added = await sql<{ key: string }>`
      select (graphile_worker.add_job(${POLL_TASK}, json_build_object('integrationId', id),
                max_attempts := 5, job_key := 'poll:' || id, job_key_mode := 'preserve_run_at')).key
      from unnest(${polling}::text[]) as id
      where not exists (select 1 from graphile_worker.jobs j where j.key = 'poll:' || id)`.execute(
      trx,
    );
    const keep = [...polling, ...unknown].map(pollJobKey);
    const removed = await sql<{ key: string }>`
      select j.key, graphile_worker.remove_job(j.key) from graphile_worker.jobs j
      where j.key like 'poll:%' and j.task_identifier = ${POLL_TASK}
        and not (j.key = any(${keep}::text[]))`.execute(trx);
    const outcome = { scheduled: added.rows.length, removed: removed.rows.length };
    if (outcome.scheduled + outcome.removed > 0) logger.info(outcome, 'poll schedules reconciled');
    return outcome;
  });
}
