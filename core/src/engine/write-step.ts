import { createHash } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { ResolvedConnector } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { RunStepsTable, RunsTable } from '../db/tables/run-tables.js';
import { redactValues } from './redact.js';

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
}

/** Hash of what an action is asked to write: equal hashes mean the same write. */
export function contentHash(actionKey: string, input: unknown): Buffer {
  return createHash('sha256')
    .update(actionKey)
    .update('\u0000')
    .update(canonicalJson(input))
    .digest();
}

/**
 * Records a step in one transaction: the step row, the record link of what it wrote and the audit
 * entry of the write, so that none exists without the others.
 */
export async function writeStep(
  db: Kysely<Database>,
  context: StepContext,
  step: StepRecord,
): Promise<void> {
  await db.transaction().execute((trx) => recordStep(trx, context, step));
}

/**
 * The steps of one attempt: each is written when the next one is added (its own transaction), and
 * the last one together with the run's outcome (`flushIn`), saving a transaction per run.
 */
export function createStepLog(db: Kysely<Database>) {
  let deferred: { context: StepContext; step: StepRecord } | undefined;
  const take = () => {
    const d = deferred;
    deferred = undefined;
    return d;
  };
  return {
    async add(context: StepContext, step: StepRecord): Promise<void> {
      const previous = take();
      if (previous) await writeStep(db, previous.context, previous.step);
      deferred = { context, step };
    },
    async flushIn(trx: Transaction<Database>): Promise<void> {
      const previous = take();
      if (previous) await recordStep(trx, previous.context, previous.step);
    },
  };
}

export type StepLog = ReturnType<typeof createStepLog>;

/** Writes one step's row, record link and audit entry in the caller's transaction. */
export async function recordStep(
  trx: Transaction<Database>,
  context: StepContext,
  step: StepRecord,
): Promise<void> {
  const secrets = step.secrets ?? [];
  const input = step.input === undefined ? null : redactValues(step.input, secrets);
  const output = step.output === undefined ? null : redactValues(step.output, secrets);
  const { run } = context;
  await trx
    .insertInto('run_steps')
    .values({
      run_id: run.id,
      route_key: context.routeKey,
      step_key: step.stepKey,
      attempt: context.attempt,
      state: step.state,
      input: JSON.stringify(input),
      output: JSON.stringify(output),
      error: step.error === undefined ? null : JSON.stringify(redactValues(step.error, secrets)),
      started_at: context.startedAt,
      finished_at: new Date(),
      duration_ms: performance.now() - context.started,
    })
    .execute();
  const write = step.record;
  if (!write || step.state !== 'succeeded') return;
  const targetId = write.targetIdPath ? readPath(step.output, write.targetIdPath) : undefined;
  const targetSystem = write.connector.id;
  if (run.source_record !== null) {
    const values = {
      target_id: targetId === undefined || targetId === null ? null : String(targetId),
      content_hash: write.hash,
      last_output: JSON.stringify(output),
      updated_at: new Date(),
    };
    await trx
      .insertInto('record_links')
      .values({
        integration_id: run.integration_id,
        step_key: step.stepKey,
        source_system: context.sourceSystem,
        source_id: run.source_record,
        target_system: targetSystem,
        ...values,
      })
      .onConflict((oc) =>
        oc
          .columns(['integration_id', 'step_key', 'source_id'])
          .doUpdateSet({ ...values, target_system: targetSystem }),
      )
      .execute();
  }
  await recordAudit(trx, {
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
}

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
