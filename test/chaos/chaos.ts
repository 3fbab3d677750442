import pg from 'pg';
import { benchPost, signedDelivery } from '../bench/support/bench-integration.js';
import { openBenchPostgres } from '../bench/support/bench-postgres.js';
import { type BenchJunction, startBenchJunction } from '../bench/support/junction-env.js';

/** How hard the chaos run shakes Junction. */
export interface ChaosOptions {
  /** Events sent (each to both integrations). */
  readonly events: number;
  /** Events per second sent. */
  readonly perSecond: number;
  /**
   * Worker processes kept running (each killed one is replaced at once; a kill is skipped while
   * fewer than two are up).
   */
  readonly workers: number;
  /** A worker is killed with SIGKILL this often while events are sent. */
  readonly killEveryMs: number;
  /** Jobs per worker process. */
  readonly concurrency: number;
  /** How long the runs may take to finish after the last event (then the run fails). */
  readonly drainTimeoutMs: number;
}

/** What one integration's target holds after the chaos, against what Junction acknowledged. */
export interface TargetReport {
  readonly acknowledged: number;
  /** Acknowledged events with no row in the target. */
  readonly lost: number;
  /** Rows beyond one per event (insert-only), or writes the target absorbed (deduplicating). */
  readonly duplicated: number;
  readonly runs: Record<string, number>;
}

export interface ChaosReport {
  readonly server: string;
  readonly options: ChaosOptions;
  readonly kills: number;
  /** insert-row into a table with no key, made exactly once by the postgres connector's ledger. */
  readonly insertOnly: TargetReport;
  /** upsert-row by the record's id: a write sent again lands on the same row. */
  readonly deduplicating: TargetReport & { readonly resent: number };
  /**
   * Per kill -9: from the kill until every run that was running at that moment (on any worker,
   * the killed one's included) had finished; the slowest and the median.
   */
  readonly recoveryMs: { readonly max: number; readonly median: number };
  /** What Junction recorded for events missing from a target (only when some are). */
  readonly lostRuns?: readonly unknown[];
  /** From the last kill -9 until every run had finished. */
  readonly drainAfterLastKillMs: number;
  /** From an event's 202 to its run's end: the median, and the slowest (a run a kill held up). */
  readonly latencyMs: { readonly p50: number; readonly max: number };
}

const targetSql = `
  create table chaos_inserts (n bigserial primary key, source text not null, name text not null);
  create table chaos_upserts (id text primary key, name text not null, writes int not null default 1);
  create function chaos_count_write() returns trigger language plpgsql as
    $$ begin new.writes := old.writes + 1; return new; end $$;
  create trigger chaos_writes before update on chaos_upserts
    for each row execute function chaos_count_write();`;

/**
 * The chaos run: one API process and `workers` worker processes on one PostgreSQL database; a
 * stream of signed webhooks goes to two integrations (insert-only through the postgres
 * connector's ledger, and an upsert), while a worker is killed with SIGKILL every `killEveryMs`
 * and replaced. Then it waits for every run to finish and compares the targets with what
 * Junction acknowledged (202). Workers are declared dead after 3 s of silence (heartbeat 0.5 s).
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const postgres = await openBenchPostgres();
  const started: BenchJunction[] = [];
  let target: pg.Client | undefined;
  let junctionDb: pg.Client | undefined;
  try {
    const junctionUrl = await postgres.createDatabase('chaos', { migrated: true });
    const targetUrl = await postgres.createDatabase('chaos_target');
    target = new pg.Client({ connectionString: targetUrl });
    await target.connect();
    await target.query(targetSql);
    junctionDb = new pg.Client({ connectionString: junctionUrl });
    await junctionDb.connect();

    const api = await startBenchJunction(junctionUrl, { JUNCTION_ROLE: 'api' });
    started.push(api);
    const integrations = await createIntegrations(api.url, targetUrl, options.concurrency);
    const workerEnv = {
      JUNCTION_ROLE: 'worker',
      JUNCTION_WORKER_CONCURRENCY: String(options.concurrency),
      JUNCTION_WORKER_HEARTBEAT_MS: '500',
      JUNCTION_WORKER_REAP_INTERVAL_MS: '500',
      JUNCTION_WORKER_DEAD_AFTER_MS: '3000',
      JUNCTION_WORKER_POLL_INTERVAL_MS: '500',
    };
    const startWorker = async () => {
      const worker = await startBenchJunction(junctionUrl, workerEnv);
      started.push(worker);
      return worker;
    };
    const live: BenchJunction[] = [];
    for (let i = 0; i < options.workers; i++) live.push(await startWorker());

    const acknowledged = { insert: new Set<string>(), upsert: new Set<string>() };
    let lastKill = Date.now();
    let sending = true;
    // Per kill: how long until every run that was running at that moment had finished.
    const recoveries: Promise<number>[] = [];
    const replacements: Promise<unknown>[] = [];
    const db = junctionDb;
    const killer = (async () => {
      while (sending) {
        await new Promise((r) => setTimeout(r, options.killEveryMs));
        if (!sending) break;
        // One worker always lives: what is measured is the takeover of a killed worker's runs,
        // not how long a new process takes to start.
        if (live.length < 2) continue;
        const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0];
        if (!victim) continue;
        const { rows } = await db.query<{ id: string }>(
          `select id from runs where state = 'running'`,
        );
        process.kill(victim.child.pid, 'SIGKILL');
        const killedAt = Date.now();
        lastKill = killedAt;
        recoveries.push(
          settledAfter(
            db,
            rows.map((r) => r.id),
            killedAt,
            options.drainTimeoutMs,
          ),
        );
        replacements.push(
          victim.stop().then(async () => {
            live.push(await startWorker());
          }),
        );
      }
    })();
    const began = Date.now();
    const posts: Promise<void>[] = [];
    for (let i = 0; i < options.events; i++) {
      const due = began + (i * 1000) / options.perSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const id = `c-${i}`;
      for (const [kind, hook] of [
        ['insert', integrations.insert.hookPath],
        ['upsert', integrations.upsert.hookPath],
      ] as const) {
        posts.push(
          deliver(api.url, hook, id).then((ok) => {
            if (ok) acknowledged[kind].add(id);
          }),
        );
      }
    }
    await Promise.all(posts);
    sending = false;
    await killer;
    await Promise.all(replacements);

    const deadline = Date.now() + options.drainTimeoutMs;
    for (;;) {
      const { rows } = await junctionDb.query<{ n: number }>(
        `select count(*)::int as n from runs where state in ('pending', 'queued', 'running', 'failed')`,
      );
      if (rows[0]?.n === 0) break;
      if (Date.now() > deadline)
        throw new Error(`${rows[0]?.n} runs still unfinished after ${options.drainTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainAfterLastKillMs = Date.now() - lastKill;
    const recoveryMs = await Promise.all(recoveries);

    const inserted = await target.query<{ source: string; n: number }>(
      'select source, count(*)::int as n from chaos_inserts group by source',
    );
    const upserted = await target.query<{ id: string; writes: number }>(
      'select id, writes from chaos_upserts',
    );
    const insertCounts = new Map(inserted.rows.map((r) => [r.source, r.n]));
    const upsertWrites = new Map(upserted.rows.map((r) => [r.id, r.writes]));
    const runs = async (integrationId: string) => {
      const { rows } = await (junctionDb as pg.Client).query<{ state: string; n: number }>(
        'select state, count(*)::int as n from runs where integration_id = $1 group by state',
        [integrationId],
      );
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    };
    const latency = await junctionDb.query<{ p50: number; max: number }>(
      `select percentile_cont(0.5) within group (order by ms) as p50, max(ms) as max
       from (select extract(epoch from r.finished_at - e.received_at) * 1000 as ms
             from runs r join events e on e.id = r.event_id where r.finished_at is not null) x`,
    );
    const missingIds = (ids: Set<string>, held: Map<string, number>) =>
      [...ids].filter((id) => !held.has(id));
    const missing = (ids: Set<string>, held: Map<string, number>) => missingIds(ids, held).length;
    // What Junction recorded for the events missing from a target (for a report that fails).
    const lostIds = [
      ...missingIds(acknowledged.insert, insertCounts),
      ...missingIds(acknowledged.upsert, upsertWrites),
    ];
    const lostRuns = (
      await junctionDb.query(
        `select e.source_record, r.integration_id, r.state, r.attempts, r.outcome, r.last_error,
                (select json_agg(json_build_object('attempt', s.attempt, 'state', s.state, 'output', s.output, 'error', s.error) order by s.id)
                 from run_steps s where s.run_id = r.id) as steps
         from events e join runs r on r.event_id = e.id where e.source_record = any($1::text[])`,
        [lostIds],
      )
    ).rows;
    const beyondOne = (held: Map<string, number>) =>
      [...held.values()].reduce((n, count) => n + count - 1, 0);
    return {
      server: postgres.server,
      options,
      kills: recoveryMs.length,
      insertOnly: {
        acknowledged: acknowledged.insert.size,
        lost: missing(acknowledged.insert, insertCounts),
        duplicated: beyondOne(insertCounts),
        runs: await runs(integrations.insert.integrationId),
      },
      deduplicating: {
        acknowledged: acknowledged.upsert.size,
        lost: missing(acknowledged.upsert, upsertWrites),
        duplicated: 0, // one row per id by the table's key; `resent` counts the writes it absorbed
        resent: beyondOne(upsertWrites),
        runs: await runs(integrations.upsert.integrationId),
      },
      ...(lostRuns.length > 0 ? { lostRuns } : {}),
      recoveryMs: {
        max: Math.max(0, ...recoveryMs),
        median: recoveryMs.sort((x, y) => x - y)[Math.floor(recoveryMs.length / 2)] ?? 0,
      },
      drainAfterLastKillMs,
      latencyMs: {
        p50: Math.round(Number(latency.rows[0]?.p50 ?? 0)),
        max: Math.round(Number(latency.rows[0]?.max ?? 0)),
      },
    };
  } finally {
    await target?.end();
    await junctionDb?.end();
    for (const child of started.reverse()) await child.stop().catch(() => {});
    await postgres.close();
  }
}

/** Ms from `since` until none of `runIds` is waiting or running any more. */
async function settledAfter(
  db: pg.Client,
  runIds: readonly string[],
  since: number,
  timeoutMs: number,
): Promise<number> {
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from runs
       where id = any($1::text[]) and state in ('pending', 'queued', 'running', 'failed')`,
      [runIds],
    );
    if (rows[0]?.n === 0) return Date.now() - since;
    if (Date.now() - since > timeoutMs) throw new Error('runs of a killed worker never finished');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A signed webhook; true when Junction answered 202 (the event is durable). */
async function deliver(url: string, hook: string, id: string): Promise<boolean> {
  const request = signedDelivery(hook, id);
  try {
    const res = await fetch(`${url}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    await res.arrayBuffer();
    return res.status === 202;
  } catch {
    return false;
  }
}

/** The two integrations: the same CRM webhook into an insert-only table and an upserted one. */
async function createIntegrations(url: string, targetUrl: string, poolSize: number) {
  const call = benchPost(url);
  const crm = await call('/v1/connections', {
    name: 'CRM',
    connector: 'test-crm',
    credentials: { apiKey: 'bench-crm-webhook-secret' },
  });
  const erp = await call('/v1/connections', {
    name: 'ERP database, with its idempotency ledger',
    connector: 'postgres',
    credentials: { connectionString: targetUrl, poolSize, idempotencyLedger: true },
  });
  const create = async (name: string, action: string, mapping: Record<string, unknown>) => {
    const created = await call('/v1/integrations', {
      name,
      trigger: {
        connector: 'test-crm',
        trigger: 'customer-changed',
        connection: crm.json.id,
        recordKey: 'id',
      },
      retry: { maxAttempts: 10, initialDelaySeconds: 0.2, maxDelaySeconds: 2 },
      routes: [
        {
          key: 'all',
          steps: [
            {
              kind: 'action',
              key: 'row',
              connector: 'postgres',
              connection: erp.json.id,
              action,
              mapping,
            },
          ],
        },
      ],
    });
    await call(`/v1/integrations/${created.json.id}/enable`, undefined, {
      'if-match': created.etag,
    });
    return {
      integrationId: created.json.id as string,
      hookPath: created.json.webhookPath as string,
    };
  };
  const name = { upper: { var: 'event.name' } };
  return {
    insert: await create('chaos: insert-only', 'insert-row', {
      table: 'chaos_inserts',
      values: {
        object: [
          ['source', { var: 'event.id' }],
          ['name', name],
        ],
      },
    }),
    upsert: await create('chaos: deduplicating', 'upsert-row', {
      table: 'chaos_upserts',
      keyColumn: 'id',
      key: { var: 'event.id' },
      values: { object: [['name', name]] },
    }),
  };
}
