import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf } from '../support/api.js';
import { startFakeTarget } from '../support/fake-target.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { createCustomerIntegration, deliver, settled } from './operations-support.js';

const retry = { maxAttempts: 3, initialDelaySeconds: 0.1, maxDelaySeconds: 1 };
const connectors = createStaticConnectorSource([crm, targetApi]);
let target: Awaited<ReturnType<typeof startFakeTarget>>;
/** API and workers. */
let t: TestJunction;
/** API only, in the same process: its jobs wait in the queue, and its metrics are its own. */
let apiOnly: TestJunction;

beforeAll(async () => {
  target = await startFakeTarget();
  [t, apiOnly] = await Promise.all([
    startTestJunction({ JUNCTION_WORKER_POLL_INTERVAL_MS: '100' }, { connectors }),
    startTestJunction({ JUNCTION_ROLE: 'api' }, { connectors }),
  ]);
});
afterAll(async () => {
  await t?.close();
  await apiOnly?.close();
  await target?.close();
});

/** Scrapes /metrics without a token and answers each sample line as name{labels} -> value. */
async function scrape(junction: TestJunction): Promise<Map<string, number>> {
  const res = await junction.request('/metrics', { token: null });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

describe('/metrics', () => {
  it('exposes events accepted, runs by state, step latency, queue depth and process metrics', async () => {
    const integration = await createCustomerIntegration(apiOf(t), {
      name: 'metrics',
      targetUrl: target.url,
      retry,
    });
    target.failNext({ status: 500 });
    const events: string[] = [];
    for (const id of ['M1', 'M2', 'M3']) {
      const event = { id, name: id, country: 'FR', updated_at: `2026-12-01T00:00:0${id[1]}Z` };
      events.push(await deliver(t, integration.hook, event));
      await settled(t, events.at(-1) as string);
      // A replayed delivery is answered 202 but is not a new event.
      expect(await deliver(t, integration.hook, event)).toBe(events.at(-1));
    }

    const samples = await scrape(t);
    expect(samples.get(`junction_events_accepted_total{integration="${integration.id}"}`)).toBe(3);
    expect(samples.get('junction_runs{state="succeeded"}')).toBe(3);
    for (const state of ['pending', 'queued', 'running', 'waiting', 'failed', 'dead', 'cancelled'])
      expect(samples.get(`junction_runs{state="${state}"}`), state).toBe(0);
    const ok = 'connector="test-target",outcome="ok"';
    const error = 'connector="test-target",outcome="error"';
    expect(samples.get(`junction_step_duration_seconds_count{${ok}}`)).toBe(3);
    expect(samples.get(`junction_step_duration_seconds_count{${error}}`)).toBe(1);
    const sum = samples.get(`junction_step_duration_seconds_sum{${ok}}`) as number;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
    expect(samples.get(`junction_step_duration_seconds_bucket{le="+Inf",${ok}}`)).toBe(3);
    expect(samples.get('junction_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts the jobs waiting for a worker, per Junction, without clashing registries', async () => {
    const integration = await createCustomerIntegration(apiOf(apiOnly), {
      name: 'queued',
      targetUrl: target.url,
      retry,
    });
    for (const id of ['Q1', 'Q2'])
      await deliver(apiOnly, integration.hook, { id, name: id, country: 'FR' });
    const samples = await until(async () => {
      const s = await scrape(apiOnly);
      return s.get('junction_queue_depth') === 2 ? s : undefined;
    });
    expect(samples.get('junction_runs{state="queued"}')).toBe(2);
    expect(samples.get(`junction_events_accepted_total{integration="${integration.id}"}`)).toBe(2);
    // Nothing ran here: no step was observed by this Junction's registry.
    expect(
      [...samples.keys()].some((k) => k.startsWith('junction_step_duration_seconds_count')),
    ).toBe(false);
    // The other Junction's counters are untouched by these events.
    const other = await scrape(t);
    expect(
      other.get(`junction_events_accepted_total{integration="${integration.id}"}`),
    ).toBeUndefined();
  });

  it('is cheap: one scrape takes a few milliseconds', async () => {
    await scrape(t);
    const started = performance.now();
    for (let i = 0; i < 20; i++) await scrape(t);
    const perScrape = (performance.now() - started) / 20;
    expect(perScrape).toBeLessThan(250);
  });
});
