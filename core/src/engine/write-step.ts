import { createHash } from 'node:crypto';
import { type CompiledQuery, type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { type AuditRow, auditRow } from '../audit/record-audit.js';
import type { ResolvedConnector } from '../connectors/connector-source.js';
import type { JunctionDatabase } from '../db/create-database.js';
import { queryPrepared } from '../db/query-prepared.js';
import type { Database } from '../db/schema.js';
import type { RecordLinksTable, RunStepsTable, RunsTable } from '../db/tables/run-tables.js';
import { redactValues } from '../secrets/redactor-of.js';

export interface StepContext {
  readonly run: Selectable<RunsTable>;
  readonly routeKey: string;
  /** The trigger's connector: the system the source record lives in. */
  readonly sourceSystem: string;
  readonly attempt: number;
  readonly startedAt: Date;
  /** performance.now() at the start, for the duration. */
  readonly started: number;
}

/** What an action wrote, for its record link and audit entry. */
export interface StepWrite {
  readonly connector: ResolvedConnector;
  readonly actionKey: string;
  readonly input: Record<string, unknown>;
  readonly targetIdPath: string | undefined;
  /** contentHash(actionKey, input), computed once by the caller. */
  readonly hash: Buffer;
}

export interface StepRecord {
  readonly state: RunStepsTable['state'];
  readonly stepKey: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: unknown;
  readonly record?: StepWrite;
  readonly secrets?: readonly string[];
  /** For a step that parks its run: its wait (and review item), stored with the step. */
  readonly parking?: Parking;
  /** For a shadow run: the writes it did not make, to compare with the target later. */
  readonly shadows?: readonly ShadowRow[];
}

/** A `shadow_writes` row, JSON values serialised (see `shadow-rows.ts`). */
export interface ShadowRow {
  readonly id: string;
  readonly integration_id: string;
  readonly run_id: string;
  readonly route_key: string;
  readonly step_key: string;
  readonly stage_version: number | null;
  readonly connector_id: string;
  readonly connector_version: string;
  readonly connection_id: string | null;
  readonly action_key: string;
  readonly action_kind: string;
  readonly intended: 'write' | 'none';
  readonly input: string;
  readonly target_key: string | null;
  readonly compare_at: string;
}

/** The rows that park a run, JSON values serialised (see `park-rows.ts`). */
export interface Parking {
  readonly wait: WaitRow;
  readonly review?: ReviewRow;
  readonly audit?: AuditRow;
}

export interface WaitRow {
  readonly id: string;
  readonly run_id: string;
  readonly integration_id: string;
  readonly route_key: string;
  readonly step_key: string;
  readonly kind: 'callback' | 'poll' | 'review' | 'detached';
  readonly connector_id: string;
  readonly connector_version: string;
  readonly action_key: string;
  readonly deadline: string | null;
  readonly on_timeout: string;
  readonly poll: string | null;
  readonly next_poll_at: string | null;
}

export interface ReviewRow {
  readonly id: string;
  readonly run_id: string;
  readonly integration_id: string;
  readonly route_key: string;
  readonly step_key: string;
  readonly reason: string;
  readonly confidence: number | null;
  readonly proposal: string;
  readonly source: string;
  readonly current_record: string | null;
  readonly diff: string | null;
  readonly sla_due_at: string | null;
}

/** Hash of what an action is asked to write: equal hashes mean the same write. */
export function contentHash(actionKey: string, input: unknown): Buffer {
  return createHash('sha256')
    .update(actionKey)
    .update('\u0000')
    .update(canonicalJson(input))
    .digest();
}

/** A step ready to store: its row and, for a write, its record link and audit entry. */
export interface PreparedStep {
  /** Its `run_steps` row, JSON values serialised. */
  readonly row: Omit<Selectable<RunStepsTable>, 'id' | 'input' | 'output' | 'error'> & {
    input: string;
    output: string;
    error: string | null;
  };
  /** Its `record_links` row, JSON values serialised. */
  readonly link?: Omit<Selectable<RecordLinksTable>, 'created_at' | 'last_output'> & {
    last_output: string;
  };
  readonly audit?: AuditRow;
  readonly parking?: Parking;
  readonly shadows?: readonly ShadowRow[];
}

/** Redacts a step and builds its rows (the step, and for a write its record link and audit). */
export function prepareStep(context: StepContext, step: StepRecord): PreparedStep {
  const secrets = step.secrets ?? [];
  const input = step.input === undefined ? null : redactValues(step.input, secrets);
  // Outputs come from the executor, which already redacted them (createRedactingExecutor).
  const output = step.output === undefined ? null : step.output;
  const { run } = context;
  // The step row and the record link store the same output: serialised once.
  const outputJson = JSON.stringify(output);
  const row = {
    run_id: run.id,
    route_key: context.routeKey,
    step_key: step.stepKey,
    attempt: context.attempt,
    state: step.state,
    input: JSON.stringify(input),
    output: outputJson,
    error: step.error === undefined ? null : JSON.stringify(redactValues(step.error, secrets)),
    started_at: context.startedAt,
    finished_at: new Date(),
    duration_ms: performance.now() - context.started,
  };
  if (step.parking) return { row, parking: step.parking };
  if (step.shadows) return { row, shadows: step.shadows };
  const write = step.record;
  if (!write || step.state !== 'succeeded') return { row };
  const targetId = write.targetIdPath ? readPath(step.output, write.targetIdPath) : undefined;
  const targetSystem = write.connector.id;
  const link =
    run.source_record === null
      ? undefined
      : {
          integration_id: run.integration_id,
          step_key: step.stepKey,
          source_system: context.sourceSystem,
          source_id: run.source_record,
          target_system: targetSystem,
          target_id: targetId === undefined || targetId === null ? null : String(targetId),
          content_hash: write.hash,
          last_output: outputJson,
          updated_at: new Date(),
          event_id: run.event_id,
        };
  const audit = auditRow({
    actor: `integration:${run.integration_id}`,
    action: 'record.write',
    subjectType: 'record',
    subjectId:
      run.source_record !== null
        ? `${context.sourceSystem}:${run.source_record}`
        : `${targetSystem}:${String(targetId ?? '?')}`,
    integrationId: run.integration_id,
    runId: run.id,
    data: {
      step: `${context.routeKey}/${step.stepKey}`,
      attempt: context.attempt,
      connector: write.connector.id,
      connectorVersion: write.connector.version,
      action: write.actionKey,
      targetSystem,
      targetId: targetId ?? null,
      input,
      output,
    },
  });
  return link ? { row, link, audit } : { row, audit };
}

/**
 * Common table expressions (`steps`, `links`, `audits`) that insert prepared steps' rows, their
 * record links and their audit entries, for a statement that stores them together with whatever
 * else it changes: one statement is one transaction, so none of them exists without the others.
 * The rows travel as JSON, so one statement text (prepared once) serves any number of steps.
 *
 * Fencing: only the steps of runs listed by the statement's `fence` CTE (an `id` column: the runs
 * still held by the attempt that wrote the step, locked) are stored; a stale attempt's steps are
 * dropped with its outcome.
 */
export function stepCtes(steps: readonly PreparedStep[]): RawBuilder<unknown>[] {
  const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
  const links = steps.flatMap((s) =>
    s.link ? [{ ...s.link, run_id: s.row.run_id, content_hash: hex(s.link.content_hash) }] : [],
  );
  const audits = steps.flatMap((s) => [s.audit, s.parking?.audit].flatMap((a) => (a ? [a] : [])));
  return [
    ...parkingCtes(steps),
    ...shadowCtes(steps),
    sql`steps as (
      insert into run_steps (run_id, route_key, step_key, attempt, state, input, output, error,
                             started_at, finished_at, duration_ms)
      select run_id, route_key, step_key, attempt, state, input::jsonb, output::jsonb,
             error::jsonb, started_at, finished_at, duration_ms
      from jsonb_to_recordset(${JSON.stringify(steps.map((s) => s.row))}::jsonb) as s(
        run_id text, route_key text, step_key text, attempt int, state text, input text,
        output text, error text, started_at timestamptz, finished_at timestamptz,
        duration_ms float8)
      where s.run_id in (select id from fence)
      returning 1)`,
    sql`links as (
      insert into record_links (integration_id, step_key, source_system, source_id,
                                target_system, target_id, content_hash, last_output, updated_at,
                                event_id)
      select integration_id, step_key, source_system, source_id, target_system, target_id,
             decode(content_hash, 'hex'), last_output::jsonb, updated_at, event_id
      from jsonb_to_recordset(${JSON.stringify(links)}::jsonb) as l(
        integration_id text, step_key text, source_system text, source_id text,
        target_system text, target_id text, content_hash text, last_output text,
        updated_at timestamptz, run_id text, event_id text)
      where l.run_id in (select id from fence)
      on conflict (integration_id, step_key, source_id) do update set
        target_system = excluded.target_system, target_id = excluded.target_id,
        content_hash = excluded.content_hash, last_output = excluded.last_output,
        updated_at = excluded.updated_at, event_id = excluded.event_id
      returning 1)`,
    sql`audits as (
      insert into audit_entries (at, actor, action, subject_type, subject_id, integration_id,
                                 run_id, request_id, data)
      select at, actor, action, subject_type, subject_id, integration_id, run_id, request_id,
             data::jsonb
      from jsonb_to_recordset(${JSON.stringify(audits)}::jsonb) as a(
        at timestamptz, actor text, action text, subject_type text, subject_id text,
        integration_id text, run_id text, request_id text, data text)
      where a.run_id in (select id from fence)
      returning 1)`,
  ];
}

/**
 * The `waits` and `reviews` CTEs of parked steps; none when no step parks, so that the statements
 * of runs that never wait keep their text (and their prepared plans).
 */
function parkingCtes(steps: readonly PreparedStep[]): RawBuilder<unknown>[] {
  const waits = steps.flatMap((s) => (s.parking ? [s.parking.wait] : []));
  if (waits.length === 0) return [];
  const reviews = steps.flatMap((s) => (s.parking?.review ? [s.parking.review] : []));
  return [
    sql`waits as (
      insert into run_waits (id, run_id, integration_id, route_key, step_key, kind, state,
                             connector_id, connector_version, action_key, deadline, on_timeout,
                             poll, next_poll_at)
      select id, run_id, integration_id, route_key, step_key, kind, 'waiting', connector_id,
             connector_version, action_key, deadline, on_timeout::jsonb, poll::jsonb, next_poll_at
      from jsonb_to_recordset(${JSON.stringify(waits)}::jsonb) as w(
        id text, run_id text, integration_id text, route_key text, step_key text, kind text,
        connector_id text, connector_version text, action_key text, deadline timestamptz,
        on_timeout text, poll text, next_poll_at timestamptz)
      where w.run_id in (select id from fence)
      returning 1)`,
    sql`reviews as (
      insert into review_items (id, run_id, integration_id, route_key, step_key, reason,
                                confidence, proposal, source, current_record, diff, state,
                                sla_due_at)
      select id, run_id, integration_id, route_key, step_key, reason, confidence,
             proposal::jsonb, source::jsonb, current_record::jsonb, diff::jsonb, 'open', sla_due_at
      from jsonb_to_recordset(${JSON.stringify(reviews)}::jsonb) as v(
        id text, run_id text, integration_id text, route_key text, step_key text, reason text,
        confidence float8, proposal text, source text, current_record text, diff text,
        sla_due_at timestamptz)
      where v.run_id in (select id from fence)
      returning 1)`,
  ];
}

/** The `shadows` CTE of shadow runs' unmade writes; none when there are none (see parkingCtes). */
function shadowCtes(steps: readonly PreparedStep[]): RawBuilder<unknown>[] {
  const rows = steps.flatMap((s) => s.shadows ?? []);
  if (rows.length === 0) return [];
  return [
    sql`shadows as (
      insert into shadow_writes (id, integration_id, run_id, route_key, step_key, stage_version,
                                 connector_id, connector_version, connection_id, action_key,
                                 action_kind, intended, input, target_key, compare_at)
      select id, integration_id, run_id, route_key, step_key, stage_version, connector_id,
             connector_version, connection_id, action_key, action_kind, intended, input::jsonb,
             target_key, compare_at
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as w(
        id text, integration_id text, run_id text, route_key text, step_key text,
        stage_version int, connector_id text, connector_version text, connection_id text,
        action_key text, action_kind text, intended text, input text, target_key text,
        compare_at timestamptz)
      where w.run_id in (select id from fence)
      on conflict (id) do nothing
      returning 1)`,
  ];
}

/**
 * A stale attempt's write, refused: its run was taken over by a newer attempt (its worker was
 * declared dead while it still ran), or finished or cancelled meanwhile.
 */
export class StaleAttemptError extends Error {
  constructor(
    readonly runId: string,
    readonly attempt: number,
  ) {
    super(`attempt ${attempt} of run ${runId} no longer holds the run; its write was refused`);
    this.name = 'StaleAttemptError';
  }
}

/**
 * Stores a prepared step (row, record link, audit entry), if any, and sets the run's `sending`
 * step (`<route>/<step>` of a non-idempotent action about to be sent, or null once no send is
 * unsettled), in one statement, if the attempt still holds the run (`running` at that attempt,
 * checked under the run's row lock); throws StaleAttemptError, storing nothing, if not.
 */
export async function writeStep(
  { db, pool }: Pick<JunctionDatabase, 'db' | 'pool'>,
  attempt: { readonly runId: string; readonly attempt: number },
  prepared: PreparedStep | undefined,
  sending: string | null = null,
): Promise<void> {
  const [row] = await queryPrepared(pool, writeStepQuery(db, attempt, prepared, sending));
  if (!row?.held) throw new StaleAttemptError(attempt.runId, attempt.attempt);
}

/** The statement of `writeStep` (exported for the plan test of hot statements). */
export function writeStepQuery(
  db: Kysely<Database>,
  attempt: { readonly runId: string; readonly attempt: number },
  prepared: PreparedStep | undefined,
  sending: string | null,
): CompiledQuery<{ held: boolean }> {
  const { runId } = attempt;
  return sql<{ held: boolean }>`with fence as (
        select id from runs
        where id = ${runId} and attempts = ${attempt.attempt} and coalesce(state, '') = 'running'
        for no key update
      ), ${sql.join(stepCtes(prepared ? [prepared] : []))}, sent as (
        update runs set sending = ${sending}::text
        where id in (select id from fence) and sending is distinct from ${sending}::text
        returning 1
      )
      select exists (select 1 from fence) as held`.compile(db);
}

/**
 * The steps of one attempt (`attempt` of run `runId`): each is stored when the next one is added,
 * and the last one is `take`n by the caller to store with the run's outcome, in the same
 * statement. Before a non-idempotent action is sent, `sending` records it durably (with the step
 * before it): a later attempt that finds it unsettled knows its outcome is unknown.
 */
export function createStepLog(
  database: Pick<JunctionDatabase, 'db' | 'pool'>,
  attempt: { readonly runId: string; readonly attempt: number },
) {
  let deferred: PreparedStep | undefined;
  const take = () => {
    const d = deferred;
    deferred = undefined;
    return d;
  };
  return {
    async add(context: StepContext, step: StepRecord): Promise<void> {
      const previous = take();
      deferred = prepareStep(context, step);
      if (previous) await writeStep(database, attempt, previous, null);
    },
    /** Stores the step before and marks `stepKey` (`<route>/<step>`) as being sent. */
    async sending(stepKey: string): Promise<void> {
      await writeStep(database, attempt, take(), stepKey);
    },
    /** The step not stored yet, if any (the caller stores it). */
    take,
  };
}

export type StepLog = ReturnType<typeof createStepLog>;

function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part))
      return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** JSON with object keys sorted, so that equal content hashes equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
