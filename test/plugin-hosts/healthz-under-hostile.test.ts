import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedConnector } from '../../core/src/connectors/connector-source.js';
import { loadHostileConnector, writeHostilePlugin } from '../fixtures/hostile-plugin.js';
import { createFixtureRoot } from '../registry/plugin-fixtures.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';

let root: Awaited<ReturnType<typeof createFixtureRoot>>;
let t: TestJunction;
let hostile: ResolvedConnector;

beforeAll(async () => {
  root = await createFixtureRoot();
  t = await startTestJunction({}, { plugins: { hostMemoryMb: 256 } });
  const plugin = await writeHostilePlugin(root.dir);
  hostile = await loadHostileConnector(t.junction.plugins.hosts, plugin);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await root?.remove();
});

const misbehave = (what: string, timeoutMs: number) =>
  t.junction.services.executor.execute({
    connector: hostile,
    operation: { kind: 'action', action: 'do', input: { what } },
    credentials: { token: 'tok' },
    connection: { id: 'c', name: 'c' },
    idempotencyKey: 'k',
    timeoutMs,
  });

it('/healthz keeps answering while hostile plugins busy-loop, exit, hang and allocate', async () => {
  const results = Promise.all([
    misbehave('busy', 2000),
    misbehave('exit', 20_000),
    misbehave('hang', 2000),
    misbehave('allocate', 20_000),
    misbehave('reject', 20_000),
  ]);
  let done = false;
  void results.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  while (!done) {
    const started = performance.now();
    const response = await t.request('/healthz', { token: null });
    latencies.push(performance.now() - started);
    expect(response.status).toBe(200);
  }
  const outcomes = await results;
  expect(outcomes.every((r) => !r.ok && r.error.retryable)).toBe(true);
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
  console.log(`/healthz answered ${latencies.length} times meanwhile, p99 ${p99.toFixed(1)} ms`);
  expect(latencies.length).toBeGreaterThan(0);
}, 60_000);
