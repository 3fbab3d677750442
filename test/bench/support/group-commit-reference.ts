import type pg from 'pg';

interface Waiting {
  readonly body: string;
  resolve(id: string): void;
  reject(error: unknown): void;
}

/**
 * The ingress design that the runs issue recommends, without Junction's layers: requests arriving
 * within `delayMs` are stored together, each body as a row and a graphile-worker job per row
 * (`add_jobs`, one NOTIFY), in one autocommit statement; each caller is answered after that
 * commit. At most two batches are in flight, as in Junction's ingestor; requests arriving
 * meanwhile form the next batch. Needs the graphile_worker schema (a migrated database).
 */
export function createGroupCommitReference(pool: pg.Pool, delayMs = 2) {
  let queue: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;

  const flush = () => {
    timer = undefined;
    if (inFlight >= 2 || queue.length === 0) return;
    const batch = queue;
    queue = [];
    inFlight += 1;
    store(
      pool,
      batch.map((w) => w.body),
    )
      .then(
        ({ rows }) => {
          for (const [i, w] of batch.entries()) w.resolve(String(rows[i]?.id));
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error);
        },
      )
      .finally(() => {
        inFlight -= 1;
        flush();
      });
  };

  return {
    /** Resolves with the stored row's id once it and its job are committed. */
    store(body: string): Promise<string> {
      return new Promise((resolve, reject) => {
        queue.push({ body, resolve, reject });
        if (inFlight < 2 && timer === undefined) timer = setTimeout(flush, delayMs);
      });
    },
  };
}

/** When each connection last planned afresh: as Junction's ingestion does (core's refreshPlans). */
const replannedAt = new WeakMap<pg.PoolClient, number>();

/** The batch in one autocommit statement, prepared; plans made afresh once a second. */
async function store(pool: pg.Pool, bodies: string[]): Promise<{ rows: { id: string }[] }> {
  const client = await pool.connect();
  try {
    const now = performance.now();
    const last = replannedAt.get(client);
    if (last === undefined || now - last >= 1000) {
      if (last !== undefined) await client.query('discard plans');
      replannedAt.set(client, now);
    }
    return await client.query<{ id: string }>({
      name: 'reference_store',
      text: storeSql,
      values: [bodies],
    });
  } finally {
    client.release();
  }
}

export const createReferenceTableSql =
  'create table if not exists reference_events (id bigserial primary key, body jsonb not null, received_at timestamptz(3) not null default now())';

const storeSql = `
  with ins as (
    insert into reference_events (body)
    select b from unnest($1::jsonb[]) with ordinality as t(b, n) order by n
    returning id
  ), jobs as (
    select count(*) as n from graphile_worker.add_jobs(array(
      select row('bench.reference', json_build_object('id', ins.id), null, now(), 25, null, 0, null)::graphile_worker.job_spec
      from ins))
  )
  select id from ins where (select n from jobs) >= 0 order by id`;
