import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { recordAudit, sealAuditEntries } from '../../core/src/audit/index.js';
import {
  createDatabase,
  createLogger,
  type JunctionDatabase,
  migrate,
  startEmbeddedPostgres,
} from '../../core/src/index.js';

/**
 * The cost of the audit trail on run throughput, against PostgreSQL on loopback (DATABASE_URL's
 * server, else an embedded one): transactions per second that write a row, without and with an
 * audit entry (and with the sealer running meanwhile), the share of transaction time spent in the
 * append, and entries the sealer links per second. About 15 s.
 */
export async function runAuditBench(): Promise<Record<string, unknown>> {
  const logger = createLogger('silent');
  let serverUrl = process.env.DATABASE_URL;
  let dataDir: string | undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-bench-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir, logger });
    serverUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const name = `junction_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const lanes = 8;
  const database = createDatabase(url.toString(), lanes + 2);
  try {
    await migrate(database.db, database.pool, logger);
    await sql`create table bench_rows (id bigserial primary key, run_id text not null, payload jsonb not null)`.execute(
      database.db,
    );
    const seconds = 3;
    const plain = await measure(database, { lanes, seconds, audit: false });
    const audited = await measure(database, { lanes, seconds, audit: true });
    const unsealed = await countUnsealed(database);
    const sealStarted = performance.now();
    let sealed = 0;
    for (;;) {
      const result = await sealAuditEntries(database.db);
      sealed += result.sealed;
      if (result.sealed < 1000) break;
    }
    const sealSeconds = (performance.now() - sealStarted) / 1000;
    // Writers again, with a sealer linking every 1 s as worker processes run it.
    let sealing = true;
    const sealerLoop = (async () => {
      while (sealing) {
        await sealAuditEntries(database.db);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    const withSealer = await measure(database, { lanes, seconds, audit: true });
    sealing = false;
    await sealerLoop;
    return {
      server: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
      concurrentTransactions: lanes,
      secondsPerPhase: seconds,
      txPerSecondWithoutAudit: Math.round(plain.perSecond),
      txPerSecondWithAudit: Math.round(audited.perSecond),
      txPerSecondWithAuditAndSealer: Math.round(withSealer.perSecond),
      throughputKeptWithAudit: `${Math.round((audited.perSecond / plain.perSecond) * 100)}%`,
      appendShareOfTransactionTime: `${(audited.appendShare * 100).toFixed(1)}%`,
      meanAppendMs: Number(audited.meanAppendMs.toFixed(3)),
      sealedEntries: sealed,
      unsealedBeforeSealing: unsealed,
      sealerEntriesPerSecond: Math.round(sealed / sealSeconds),
    };
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await stopEmbedded?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

async function countUnsealed(database: JunctionDatabase): Promise<number> {
  const row = await database.db
    .selectFrom('audit_entries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('seq', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** `lanes` loops of transactions for `seconds`: insert a row, and an audit entry when asked. */
async function measure(
  database: JunctionDatabase,
  options: { lanes: number; seconds: number; audit: boolean },
): Promise<{ perSecond: number; appendShare: number; meanAppendMs: number }> {
  const deadline = performance.now() + options.seconds * 1000;
  let transactions = 0;
  let transactionMs = 0;
  let appendMs = 0;
  const lane = async (laneNo: number) => {
    for (let n = 0; performance.now() < deadline; n++) {
      const started = performance.now();
      await database.db.transaction().execute(async (trx) => {
        const runId = `run_${laneNo}_${n}`;
        const payload = { email: `c${n}@example.com`, name: 'Ada Lovelace', country: 'FR', n };
        await trx
          .insertInto('bench_rows' as never)
          .values({ run_id: runId, payload: JSON.stringify(payload) } as never)
          .execute();
        if (options.audit) {
          const appendStarted = performance.now();
          await recordAudit(trx, {
            actor: 'integration:int_bench',
            action: 'record.write',
            subjectType: 'crm.contact',
            subjectId: String(n),
            integrationId: 'int_bench',
            runId,
            data: { connector: 'crm@1.0.0', input: payload, output: { id: String(n) } },
          });
          appendMs += performance.now() - appendStarted;
        }
      });
      transactionMs += performance.now() - started;
      transactions += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.lanes }, (_, i) => lane(i)));
  const elapsed = (performance.now() - started) / 1000;
  return {
    perSecond: transactions / elapsed,
    appendShare: transactionMs > 0 ? appendMs / transactionMs : 0,
    meanAppendMs: options.audit ? appendMs / transactions : 0,
  };
}
