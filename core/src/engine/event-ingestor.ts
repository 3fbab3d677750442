import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../log/create-logger.js';
import { enqueueRunsSql, unfinishedStates } from './run-queue.js';

/** One item from a trigger, to be stored with its run. */
export interface NewEvent {
  readonly integrationId: string;
  readonly dedupeKey: string;
  /** Identity of the source record; events of one record run in arrival order. */
  readonly sourceRecord: string | null;
  readonly data: unknown;
}

export type IngestOutcome =
  | { readonly kind: 'accepted'; readonly eventId: string; readonly runId: string }
  | { readonly kind: 'duplicate'; readonly eventId: string }
  | { readonly kind: 'disabled' };

interface Pending {
  readonly events: readonly NewEvent[];
  resolve(outcomes: IngestOutcome[]): void;
  reject(error: unknown): void;
}

export interface EventIngestor {
  /** Resolves once the events, their runs and their jobs are committed (durable). */
  ingest(events: readonly NewEvent[]): Promise<IngestOutcome[]>;
  /** Stores with an open transaction of the caller (polling saves its cursor in it). */
  ingestWith(client: pg.PoolClient, events: readonly NewEvent[]): Promise<IngestOutcome[]>;
  close(): Promise<void>;
}

/**
 * Group commit: concurrent callers within `delayMs` share one transaction (events, runs and
 * graphile-worker jobs inserted as batches), and each is answered only after that commit.
 */
export function createEventIngestor(options: {
  pool: pg.Pool;
  logger: Logger;
  delayMs?: number;
  maxBatch?: number;
}): EventIngestor {
  const { pool, logger, delayMs = 2, maxBatch = 1000 } = options;
  let queue: Pending[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  const flush = () => {
    timer = undefined;
    const batch = queue;
    queue = [];
    queued = 0;
    if (batch.length === 0) return;
    const work = commitBatch(batch).finally(() => inFlight.delete(work));
    inFlight.add(work);
  };

  async function commitBatch(batch: Pending[]): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const outcomes = await store(
        client,
        batch.flatMap((p) => p.events),
      );
      await client.query('commit');
      let offset = 0;
      for (const pending of batch) {
        pending.resolve(outcomes.slice(offset, offset + pending.events.length));
        offset += pending.events.length;
      }
    } catch (error) {
      await client.query('rollback').catch(() => {});
      logger.error({ err: error, events: batch.length }, 'storing events failed');
      for (const pending of batch) pending.reject(error);
    } finally {
      client.release();
    }
  }

  return {
    ingest(events) {
      if (events.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        queue.push({ events, resolve, reject });
        queued += events.length;
        if (queued >= maxBatch) {
          clearTimeout(timer);
          flush();
        } else {
          timer ??= setTimeout(flush, delayMs);
        }
      });
    },
    ingestWith: store,
    async close() {
      clearTimeout(timer);
      flush();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Inserts events (skipping duplicates and disabled integrations), their runs and jobs. */
async function store(client: pg.PoolClient, events: readonly NewEvent[]): Promise<IngestOutcome[]> {
  const lanes = [
    ...new Set(
      events
        .filter((e) => e.sourceRecord !== null)
        .map((e) => laneOf(e.integrationId, e.sourceRecord as string)),
    ),
  ];
  if (lanes.length > 0) {
    // The same lock a worker takes to hand a record's next run on: no run is left behind.
    await client.query(
      'select pg_advisory_xact_lock(hashtextextended(lane, 7)) from (select distinct unnest($1::text[]) as lane order by 1) l',
      [lanes],
    );
  }
  const rows = events.map((e, i) => ({
    i,
    id: `evt_${randomUUID()}`,
    integration_id: e.integrationId,
    dedupe_key: e.dedupeKey,
    source_record: e.sourceRecord,
    data: e.data ?? null,
  }));
  const inserted = await client.query<{
    i: number;
    id: string;
    integration_version: number;
    max_attempts: number;
  }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb)
         as x(i int, id text, integration_id text, dedupe_key text, source_record text, data jsonb)
     ), ins as (
       insert into events (id, integration_id, integration_version, dedupe_key, source_record, data)
       select x.id, x.integration_id, i.current_version, x.dedupe_key, x.source_record, coalesce(x.data, 'null'::jsonb)
       from input x join integrations i on i.id = x.integration_id and i.enabled
       order by x.i
       on conflict (integration_id, dedupe_key) do nothing
       returning id, integration_id, integration_version
     )
     select x.i, ins.id, ins.integration_version,
            coalesce((v.definition->'retry'->>'maxAttempts')::int, 5) as max_attempts
     from ins join input x on x.id = ins.id
     join integration_versions v on v.integration_id = ins.integration_id and v.version = ins.integration_version`,
    [JSON.stringify(rows)],
  );
  const outcomes: IngestOutcome[] = new Array(events.length);
  const byIndex = new Map(inserted.rows.map((r) => [r.i, r]));

  // Lanes already busy with an unfinished run: new runs of those records wait behind it.
  const busy = new Set<string>();
  if (lanes.length > 0) {
    const result = await client.query<{ lane: string }>(
      `select distinct integration_id || chr(31) || source_record as lane from runs
       where integration_id || chr(31) || source_record = any($1::text[]) and state = any($2::text[])`,
      [lanes, unfinishedStates],
    );
    for (const row of result.rows) busy.add(row.lane);
  }
  const runs: {
    id: string;
    event_id: string;
    integration_id: string;
    integration_version: number;
    source_record: string | null;
    state: string;
    max_attempts: number;
  }[] = [];
  for (const row of rows) {
    const ins = byIndex.get(row.i);
    if (!ins) continue;
    const lane =
      row.source_record === null ? undefined : laneOf(row.integration_id, row.source_record);
    const state = lane !== undefined && busy.has(lane) ? 'pending' : 'queued';
    if (lane !== undefined) busy.add(lane);
    const runId = `run_${randomUUID()}`;
    runs.push({
      id: runId,
      event_id: ins.id,
      integration_id: row.integration_id,
      integration_version: ins.integration_version,
      source_record: row.source_record,
      state,
      max_attempts: ins.max_attempts,
    });
    outcomes[row.i] = { kind: 'accepted', eventId: ins.id, runId };
  }
  if (runs.length > 0) {
    await client.query(
      `insert into runs (id, event_id, integration_id, integration_version, source_record, state, max_attempts)
       select id, event_id, integration_id, integration_version, source_record, state, max_attempts
       from jsonb_to_recordset($1::jsonb) as x(id text, event_id text, integration_id text,
         integration_version int, source_record text, state text, max_attempts int)`,
      [JSON.stringify(runs)],
    );
    const queuedIds = runs.filter((r) => r.state === 'queued').map((r) => r.id);
    if (queuedIds.length > 0) await client.query(enqueueRunsSql, [queuedIds, null]);
  }

  const missing = rows.filter((r) => !outcomes[r.i]);
  if (missing.length > 0) {
    const existing = await client.query<{ integration_id: string; dedupe_key: string; id: string }>(
      `select e.integration_id, e.dedupe_key, e.id from events e
       join jsonb_to_recordset($1::jsonb) as x(integration_id text, dedupe_key text)
         on e.integration_id = x.integration_id and e.dedupe_key = x.dedupe_key`,
      [
        JSON.stringify(
          missing.map((m) => ({ integration_id: m.integration_id, dedupe_key: m.dedupe_key })),
        ),
      ],
    );
    const found = new Map(
      existing.rows.map((r) => [`${r.integration_id}\u0000${r.dedupe_key}`, r.id]),
    );
    for (const row of missing) {
      const id = found.get(`${row.integration_id}\u0000${row.dedupe_key}`);
      outcomes[row.i] = id ? { kind: 'duplicate', eventId: id } : { kind: 'disabled' };
    }
  }
  return outcomes;
}

/** A record's lane: its integration and source id. */
export function laneOf(integrationId: string, sourceRecord: string): string {
  return `${integrationId}\u001f${sourceRecord}`;
}
