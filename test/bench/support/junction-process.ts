import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import type { ConnectorDefinition } from '@junction/connector-kit';
import { createJunction, type JunctionOptions, loadConfig } from '@junction/core';
import { connector as ai } from '@junction/plugin-ai';
import postgres from '@junction/plugin-postgres';
import pg from 'pg';
import { crm } from '../../fixtures/connectors/crm.js';
import { parkingConnector } from './parking-connector.js';
import { pooledPostgres } from './pooled-postgres-connector.js';

/**
 * A Junction process for the benches (started by bench-child.ts): configured from the
 * environment like `junction start`, with the test CRM (signed webhooks), the real postgres
 * connector and a pooled variant of its upsert (pooled-postgres-connector.ts) as its connectors.
 * Sends `{ ready: { url } }` over IPC once listening; stops on SIGTERM. With
 * BENCH_TIME_QUERIES=1 it counts and times every statement it sends, by its first words
 * (answering `{ ask: 'queries' }`), by wrapping pg's Client#query: a bench-only probe, no engine
 * change. BENCH_ISOLATE_POSTGRES=1 runs the postgres connector in plugin hosts.
 * `{ ask: 'profile-start' }` and `{ ask: 'profile-stop', dir }` take a CPU profile of just that
 * window (node:inspector), written to `dir` as a .cpuprofile.
 */
type ConnectorSource = NonNullable<JunctionOptions['connectors']>;

/**
 * BENCH_ISOLATE_POSTGRES=1: the postgres connector runs in plugin hosts, as an installed plugin
 * does (the isolation bench), from its built package.
 */
const postgresEntry = fileURLToPath(import.meta.resolve('@junction/plugin-postgres'));
const isolatedPostgres =
  process.env.BENCH_ISOLATE_POSTGRES === '1'
    ? { dir: path.dirname(path.dirname(postgresEntry)), entry: postgresEntry }
    : undefined;

function staticSource(definitions: readonly ConnectorDefinition[]): ConnectorSource {
  const get = (id: string) => definitions.find((d) => d.id === id);
  return {
    get(id, version) {
      const definition = get(id);
      if (!definition || (version !== undefined && version !== definition.version)) return;
      const isolated = id === 'postgres' ? isolatedPostgres : undefined;
      return { id, version: definition.version, definition, ...(isolated ? { isolated } : {}) };
    },
    versions: (id) => (get(id) ? [(get(id) as ConnectorDefinition).version] : []),
  };
}

/** Statements by their first words: how many, and ms from send to result (BENCH_TIME_QUERIES=1). */
const statements = new Map<string, { count: number; ms: number }>();
if (process.env.BENCH_TIME_QUERIES === '1') {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function timedQuery(this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    const started = performance.now();
    const record = () => {
      if (!text) return;
      // Normalised when reported: a prefix is cheap enough not to weigh on what is measured.
      const key = text.slice(0, 160);
      const entry = statements.get(key) ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += performance.now() - started;
      statements.set(key, entry);
    };
    // pg.Pool#query passes a callback; Kysely and the rest await the returned promise.
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        if (!error) record();
        callback(error, result);
      };
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(record, () => {});
    return result;
  } as typeof pg.Client.prototype.query;
}

const junction = await createJunction(loadConfig(process.env), {
  connectors: staticSource([
    crm,
    postgres as ConnectorDefinition,
    pooledPostgres,
    parkingConnector,
    ai as ConnectorDefinition,
  ]),
});
const inspector = new Session();
process.on('message', async (message: { ask?: string; dir?: string }) => {
  if (message.ask === 'queries') {
    const merged = new Map<string, { count: number; ms: number }>();
    for (const [prefix, entry] of statements) {
      const key = prefix.replace(/\s+/g, ' ').trim().slice(0, 60);
      const sum = merged.get(key) ?? { count: 0, ms: 0 };
      merged.set(key, { count: sum.count + entry.count, ms: sum.ms + entry.ms });
    }
    process.send?.({ reply: 'queries', statements: Object.fromEntries(merged) });
  }
  if (message.ask === 'memory') {
    // MB of the process now, and of each V8 heap space: where a peak RSS comes from.
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    const usage = process.memoryUsage();
    process.send?.({
      reply: 'memory',
      rss: mb(usage.rss),
      heapUsed: mb(usage.heapUsed),
      heapTotal: mb(usage.heapTotal),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
      spaces: Object.fromEntries(
        getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_size)]),
      ),
    });
  }
  if (message.ask === 'profile-start') {
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    process.send?.({ reply: 'profile-start' });
  }
  if (message.ask === 'profile-stop') {
    const { profile } = await inspector.post('Profiler.stop');
    const file = path.join(message.dir ?? '.', `junction-${process.pid}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    inspector.disconnect();
    process.send?.({ reply: 'profile-stop', file });
  }
});
process.once('SIGTERM', () => {
  void junction.close().finally(() => process.exit(0));
});
process.send?.({ ready: { url: junction.url } });
