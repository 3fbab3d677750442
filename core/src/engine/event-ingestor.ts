import type pg from 'pg';
import { isDataException } from '../db/data-exception.js';
import { refreshPlans } from '../db/refresh-plans.js';
import { timeOrderedUuidSql } from '../db/time-ordered-uuid.js';
import type { Logger } from '../log/create-logger.js';
import { queueRunJobsSql, type RunJobInsert } from './run-job-insert.js';
import { holdsLaneSql } from './run-queue.js';
import { stageSampleSql } from './stage-sample.js';

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
  /** The records' lanes of its events (`laneOf`). */
  readonly lanes: readonly string[];
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
 * Group commit: concurrent callers share one transaction (events, runs and graphile-worker jobs
 * inserted as batches), and each is answered only after that commit. When nothing is being
 * stored, a batch leaves at the end of the event loop's turn (no added wait under light load);
 * while a batch is being stored, the next gathers for `delayMs` or until that one commits.
 */
export function createEventIngestor(options: {
  pool: pg.Pool;
  logger: Logger;
  /** How long a batch gathers while another is being stored (ms). */
  delayMs?: number;
  maxBatch?: number;
  /** Batches committing at once; more requests wait for the next batch. */
  maxInFlight?: number;
  /** How the runs' jobs are queued (`chooseRunJobInsert`). */
  jobInsert: RunJobInsert;
  /** How often a connection plans the storing statement afresh (ms; see refreshPlans). */
  replanEveryMs?: number;
}): EventIngestor {
  const { pool, logger, delayMs = 2, maxBatch = 1000, maxInFlight = 2, replanEveryMs } = options;
  const statement: StoreStatement = {
    name: `junction_store_events_${options.jobInsert}`,
    text: storeEventsSql(options.jobInsert),
    replanEveryMs,
  };
  let queue: Pending[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const inFlight = new Set<Promise<void>>();
  /** Lanes with events in a batch being committed, and how many. */
  const busyLanes = new Map<string, number>();

  // At most `maxInFlight` batches commit at once; requests arriving meanwhile form the next
  // batch, so batches grow with load. Two batches in flight never share a record's lane: an event
  // of a record whose earlier event is still being committed waits for the next batch, so that
  // every batch sees the runs of the record's earlier events (arrival order).
  let committing = 0;
  const flush = () => {
    clearTimeout(timer);
    clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    if (committing >= maxInFlight) return;
    const batch: Pending[] = [];
    const held: Pending[] = [];
    const blocked = new Set<string>();
    for (const pending of queue) {
      if (pending.lanes.some((lane) => busyLanes.has(lane) || blocked.has(lane))) {
        held.push(pending);
        for (const lane of pending.lanes) blocked.add(lane);
      } else batch.push(pending);
    }
    queue = held;
    queued = held.reduce((n, p) => n + p.events.length, 0);
    if (batch.length === 0) return;
    const lanes = batch.flatMap((p) => p.lanes);
    for (const lane of lanes) busyLanes.set(lane, (busyLanes.get(lane) ?? 0) + 1);
    committing += 1;
    const work = commitBatch(batch).finally(() => {
      for (const lane of lanes) {
        const left = (busyLanes.get(lane) ?? 1) - 1;
        if (left === 0) busyLanes.delete(lane);
        else busyLanes.set(lane, left);
      }
      committing -= 1;
      inFlight.delete(work);
      if (queue.length > 0) flush();
    });
    inFlight.add(work);
  };

  /** Stores a batch and answers each of its callers; never rejects (a lost database included). */
  async function commitBatch(batch: Pending[]): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      // One statement, so its own transaction: no BEGIN and COMMIT round trips.
      const outcomes = await store(
        client,
        batch.flatMap((p) => p.events),
        statement,
      );
      let offset = 0;
      for (const pending of batch) {
        pending.resolve(outcomes.slice(offset, offset + pending.events.length));
        offset += pending.events.length;
      }
    } catch (error) {
      if (client !== undefined && batch.length > 1 && isDataException(error)) {
        // One caller's events failed the whole statement: store each caller's apart, so that
        // only that caller is refused (the ingress refuses what it knows PostgreSQL cannot hold).
        logger.warn(
          { err: error, callers: batch.length },
          'a batch of events was refused; storing each caller apart',
        );
        await commitEach(client, batch);
        return;
      }
      logger.error({ err: error, events: batch.length }, 'storing events failed');
      for (const pending of batch) pending.reject(error);
    } finally {
      client?.release(); // a client whose connection broke is dropped by the pool
    }
  }

  /** Stores each caller's events in a statement of its own, answering each caller. */
  async function commitEach(client: pg.PoolClient, batch: readonly Pending[]): Promise<void> {
    for (const pending of batch) {
      try {
        pending.resolve(await store(client, pending.events, statement));
      } catch (error) {
        logger.error({ err: error, events: pending.events.length }, 'storing events failed');
        pending.reject(error);
      }
    }
  }

  return {
    ingest(events) {
      if (events.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        const lanes = events.flatMap((e) =>
          e.sourceRecord === null ? [] : [laneOf(e.integrationId, e.sourceRecord)],
        );
        queue.push({ events, lanes, resolve, reject });
        queued += events.length;
        if (committing >= maxInFlight) return; // taken by the next batch when one commits
        if (queued >= maxBatch) flush();
        else if (committing === 0) {
          // Nothing is being stored: the requests read in this turn of the event loop go now.
          immediate ??= setImmediate(flush);
        } else {
          // A batch is being stored: gather for `delayMs`, or until it commits.
          timer ??= setTimeout(flush, delayMs);
        }
      });
    },
    ingestWith: (client, events) => store(client, events, statement),
    async close() {
      flush();
      while (inFlight.size > 0 || queue.length > 0) {
        await Promise.allSettled([...inFlight]);
        flush();
      }
    },
  };
}

/**
 * Stores events (skipping duplicates and disabled integrations), their runs and their jobs in ONE
 * statement: one round trip per batch, a named prepared statement (each connection plans it once,
 * and again after refreshPlans). Lookups by record and by dedupe key are scalar subqueries with a
 * limit, so that each is an index probe per event: as `exists` or a join, a generic plan (which
 * guesses the batch at 100 rows) may hash the whole table instead. A run whose record already
 * has an unfinished run (or an earlier event in the same batch) is stored `pending`; the run
 * ahead of it hands the record on when it ends. Whether a record is busy is read from committed rows only: one process never
 * commits two batches of one record at once, but two API processes storing the same record at
 * the same moment may both queue a run; the run executor checks the record's lane again before it
 * starts, and waits behind the earlier run if there is one.
 */
async function store(
  client: pg.PoolClient,
  events: readonly NewEvent[],
  statement: StoreStatement,
): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = new Array(events.length);
  const firstOf = new Map<string, number>();
  const rows: {
    i: number;
    integration_id: string;
    dedupe_key: string;
    source_record: string | null;
    data: unknown;
  }[] = [];
  events.forEach((e, i) => {
    const key = `${e.integrationId}\u0000${e.dedupeKey}`;
    if (firstOf.has(key)) return; // the same event twice in one batch: answered like its first
    firstOf.set(key, i);
    rows.push({
      i,
      integration_id: e.integrationId,
      dedupe_key: e.dedupeKey,
      source_record: e.sourceRecord,
      data: e.data ?? null,
    });
  });
  await refreshPlans(client, statement.replanEveryMs);
  const result = await client.query<{
    i: number;
    event_id: string | null;
    run_id: string | null;
    enabled: boolean;
  }>({
    name: statement.name,
    text: statement.text,
    values: [JSON.stringify(rows)],
  });
  const raced: number[] = [];
  for (const row of result.rows) {
    if (row.event_id === null) {
      // Not stored and not found: a disabled integration, or a duplicate whose first copy was
      // committed by another transaction while this statement ran (after its snapshot).
      if (row.enabled) raced.push(row.i);
      continue;
    }
    outcomes[row.i] = row.run_id
      ? { kind: 'accepted', eventId: row.event_id, runId: row.run_id }
      : { kind: 'duplicate', eventId: row.event_id };
  }
  if (raced.length > 0) await answerRacedDuplicates(client, events, raced, outcomes);
  events.forEach((e, i) => {
    if (outcomes[i]) return;
    const first = firstOf.get(`${e.integrationId}\u0000${e.dedupeKey}`) as number;
    const answer = first === i ? undefined : outcomes[first];
    outcomes[i] =
      answer && answer.kind !== 'disabled'
        ? { kind: 'duplicate', eventId: answer.eventId }
        : { kind: 'disabled' };
  });
  return outcomes;
}

/** The storing statement of one way of queueing jobs (a name per text: each is prepared). */
interface StoreStatement {
  readonly name: string;
  readonly text: string;
  readonly replanEveryMs: number | undefined;
}

/** Reads the events that duplicates raced with, in a new statement (a new snapshot). */
async function answerRacedDuplicates(
  client: pg.PoolClient,
  events: readonly NewEvent[],
  raced: readonly number[],
  outcomes: IngestOutcome[],
): Promise<void> {
  const { rows } = await client.query<{ i: number; id: string }>(
    `select x.i, e.id from unnest($1::int[], $2::text[], $3::text[]) as x(i, integration_id, dedupe_key)
     join events e on e.integration_id = x.integration_id and e.dedupe_key = x.dedupe_key`,
    [raced, raced.map((i) => events[i]?.integrationId), raced.map((i) => events[i]?.dedupeKey)],
  );
  for (const row of rows) outcomes[row.i] = { kind: 'duplicate', eventId: row.id };
  if (rows.length < raced.length)
    throw new Error('an event was neither stored nor found as a duplicate (was it deleted?)');
}

/**
 * The storing statement (see `store`) for one way of queueing jobs; `$1` is the events as a JSON
 * array of `{ i, integration_id, dedupe_key, source_record, data }`.
 */
export const storeEventsSql = (jobInsert: RunJobInsert) => `
  with input as (
    select x.* from jsonb_to_recordset($1::jsonb)
      as x(i int, integration_id text, dedupe_key text, source_record text, data jsonb)
  ), ins as (
    insert into events (id, integration_id, integration_version, dedupe_key, source_record, data)
    select 'evt_' || ${timeOrderedUuidSql}, x.integration_id, g.current_version, x.dedupe_key,
           x.source_record, coalesce(x.data, 'null'::jsonb)
    from input x join integrations g on g.id = x.integration_id and g.enabled
    -- An integration whose rollout stage is off accepts no events.
    where (select ro.stage from integration_rollouts ro where ro.integration_id = g.id) is distinct from 'off'
    order by x.i
    on conflict (integration_id, dedupe_key) do nothing
    returning id, seq, integration_id, integration_version, dedupe_key, source_record
  ), versions as materialized (
    -- Each version's definition is read once per batch, not once per event.
    select v.integration_id, v.version,
           coalesce((v.definition->'retry'->>'maxAttempts')::int, 5) as max_attempts
    from integration_versions v
    join (select distinct integration_id, integration_version from ins) d
      on v.integration_id = d.integration_id and v.version = d.integration_version
  ), planned as (
    select ins.id as event_id, x.i, ins.integration_id, ins.integration_version, ins.source_record,
           'run_' || ${timeOrderedUuidSql} as run_id, v.max_attempts,
           coalesce(ro.stage, 'auto') as stage, ro.version as stage_version,
           case ro.stage when 'review-all' then true
                         when 'sampled' then ${stageSampleSql('ins.integration_id', 'coalesce(ins.source_record, ins.dedupe_key)', 'ro.sample_percent')}
                         else false end as stage_review,
           case when ins.source_record is not null and (
                  row_number() over (partition by ins.integration_id, ins.source_record order by ins.seq) > 1
                  or (select true from runs r where r.integration_id = ins.integration_id
                        and r.source_record = ins.source_record and ${holdsLaneSql('r')}
                      limit 1) is not null)
                then 'pending' else 'queued' end as state
    from ins
    join input x on x.integration_id = ins.integration_id and x.dedupe_key = ins.dedupe_key
    join versions v on v.integration_id = ins.integration_id and v.version = ins.integration_version
    left join integration_rollouts ro on ro.integration_id = ins.integration_id
  ), new_runs as (
    insert into runs (id, event_id, integration_id, integration_version, source_record, state,
                      max_attempts, stage, stage_version, stage_review)
    select run_id, event_id, integration_id, integration_version, source_record, state,
           max_attempts, stage, stage_version, stage_review from planned
    returning id, state
  ), ${queueRunJobsSql(jobInsert, "select r.id from new_runs r where r.state = 'queued'")}
  select p.i, p.event_id, p.run_id, true as enabled from planned p where (select n from jobs) >= 0
  union all
  select x.i, (select e.id from events e
               where e.integration_id = x.integration_id and e.dedupe_key = x.dedupe_key
               limit 1), null,
         (select g.enabled and (select ro.stage from integration_rollouts ro
                                where ro.integration_id = g.id) is distinct from 'off'
          from integrations g where g.id = x.integration_id)
  from input x
  where not exists (select 1 from ins where ins.integration_id = x.integration_id
                                         and ins.dedupe_key = x.dedupe_key)`;

/** A record's lane: its integration and source id. */
export function laneOf(integrationId: string, sourceRecord: string): string {
  return `${integrationId}\u001f${sourceRecord}`;
}
