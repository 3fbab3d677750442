import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf, pointersOf } from '../support/api.js';
import { startFakeTarget } from '../support/fake-target.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createCustomerIntegration, deliver, runsOfEvent, settled } from './operations-support.js';

// The scenario of the issue: for each of 3 records, an event with seq 3 dies at the target, a
// later event with seq 10 comes in, and the dead run is replayed. Whatever the ordering, the
// target must end with the newest value (10) on every record.
let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let target: Awaited<ReturnType<typeof startFakeTarget>>;

beforeAll(async () => {
  target = await startFakeTarget();
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100' },
    { connectors: createStaticConnectorSource([crm, targetApi]) },
  );
  api = apiOf(t);
});
afterAll(async () => {
  await t?.close();
  await target?.close();
});

const retry = { maxAttempts: 2, initialDelaySeconds: 0.1, maxDelaySeconds: 1 };

/** What the target holds for a record now (its customer with number C-<key>). */
function heldBy(key: string) {
  return [...target.customers.values()].filter((c) => c.number === `C-${key}`);
}

/** Delivers seq 3 of a record, made to die at the target (400), and answers its dead run. */
async function deadEvent(hook: string, key: string) {
  target.failNext({ status: 400, body: { error: 'temporarily refused' } });
  const eventId = await deliver(t, hook, { id: key, name: 'old', country: 'FR', seq: 3 });
  const dead = await settled(t, eventId);
  expect(dead.state).toBe('dead');
  return { eventId, dead };
}

describe('ordering "refuse-stale" (the default)', () => {
  it('lets later events go ahead of a dead run and refuses its replay once they are applied (3 of 3 records end at the newest value)', async () => {
    const integration = await createCustomerIntegration(api, {
      name: 'refuse-stale',
      targetUrl: target.url,
      retry,
    });
    const keys = ['RS1', 'RS2', 'RS3'];
    const dead = new Map<string, { eventId: string; dead: { id: string } }>();
    const newer = new Map<string, string>();
    for (const key of keys) {
      dead.set(key, await deadEvent(integration.hook, key));
      const eventId = await deliver(t, integration.hook, {
        id: key,
        name: 'new',
        country: 'FR',
        seq: 10,
      });
      expect((await settled(t, eventId)).state).toBe('succeeded');
      newer.set(key, eventId);
    }
    const first = dead.get('RS1');
    const refused = await api.post(`/v1/runs/${first?.dead.id}/replay`);
    expect(pointersOf(refused, 409)).toEqual([]);
    expect(refused.body).toMatchObject({ state: 'dead', newerEvent: newer.get('RS1') });
    expect(refused.body.detail).toContain('would write old data over new');

    const bulk = await api.post(`/v1/integrations/${integration.id}/replay-dead`);
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
    expect(bulk.body.count).toBe(0);
    expect(bulk.body.skipped.map((s: { runId: string }) => s.runId).sort()).toEqual(
      keys.map((k) => dead.get(k)?.dead.id).sort(),
    );
    // Retention deletes the newer event with its succeeded run; the replay is still refused.
    await t.junction.database.pool.query(
      `with gone as (delete from runs where event_id = $1 returning id)
       delete from run_steps where run_id in (select id from gone)`,
      [newer.get('RS2')],
    );
    await t.junction.database.pool.query('delete from events where id = $1', [newer.get('RS2')]);
    const afterRetention = await api.post(`/v1/runs/${dead.get('RS2')?.dead.id}/replay`);
    expect(pointersOf(afterRetention, 409)).toEqual([]);
    expect(afterRetention.body).toMatchObject({ newerEvent: newer.get('RS2') });
    for (const key of keys) {
      expect((await runsOfEvent(t, dead.get(key)?.eventId as string)).map((r) => r.state)).toEqual([
        'dead',
      ]);
      expect(heldBy(key).map((c) => c.seq)).toEqual([10]);
    }
  });

  it('replays a dead run when nothing newer of its record was applied', async () => {
    const integration = await createCustomerIntegration(api, {
      name: 'refuse-stale alone',
      targetUrl: target.url,
      retry,
    });
    const { eventId, dead } = await deadEvent(integration.hook, 'RS4');
    const res = await api.post(`/v1/runs/${dead.id}/replay`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await settled(t, eventId)).state).toBe('succeeded');
    expect(heldBy('RS4').map((c) => c.seq)).toEqual([3]);
  });
});

describe('ordering "hold"', () => {
  it("keeps a dead run in its record's place: later events wait visibly, then apply after its replay (3 of 3 records end at the newest value)", async () => {
    const integration = await createCustomerIntegration(api, {
      name: 'hold',
      targetUrl: target.url,
      retry,
      ordering: 'hold',
    });
    const keys = ['H1', 'H2', 'H3'];
    const later = new Map<string, string>();
    for (const key of keys) {
      const { dead } = await deadEvent(integration.hook, key);
      const eventId = await deliver(t, integration.hook, {
        id: key,
        name: 'new',
        country: 'FR',
        seq: 10,
      });
      later.set(key, eventId);
      // The later event waits behind the dead run, and GET /v1/runs says so.
      const listed = await api.get(`/v1/runs?integration=${integration.id}&record=${key}`);
      expect(
        listed.body.data.map((r: { state: string; holdsLane: boolean }) => [r.state, r.holdsLane]),
      ).toEqual([
        ['pending', false],
        ['dead', true],
      ]);
      expect(listed.body.data[1].id).toBe(dead.id);
    }
    // Nothing of the later events reached the target while the dead runs held their places.
    for (const key of keys) expect(heldBy(key)).toEqual([]);
    // The lane sweeper leaves held lanes alone.
    const { rows: stranded } = await t.junction.database.pool.query(
      `select count(*)::int as n from runs where integration_id = $1 and state = 'queued'`,
      [integration.id],
    );
    expect(stranded[0].n).toBe(0);

    const bulk = await api.post(`/v1/integrations/${integration.id}/replay-dead`);
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
    expect(bulk.body).toMatchObject({ count: 3, skipped: [] });
    for (const key of keys) {
      expect((await settled(t, later.get(key) as string)).state).toBe('succeeded');
      const writes = target.requests.filter((r) => r.body.number === `C-${key}` && r.status < 300);
      expect(writes.map((r) => r.body.seq)).toEqual([3, 10]);
      expect(heldBy(key).map((c) => c.seq)).toEqual([10]);
    }
    const { rows: holding } = await t.junction.database.pool.query(
      'select count(*)::int as n from runs where integration_id = $1 and holds_lane',
      [integration.id],
    );
    expect(holding[0].n).toBe(0);
  });

  it('lets an operator cancel the dead run: the record gives up its place and goes on', async () => {
    const integration = await createCustomerIntegration(api, {
      name: 'hold then cancel',
      targetUrl: target.url,
      retry,
      ordering: 'hold',
    });
    const { dead } = await deadEvent(integration.hook, 'HC1');
    const eventId = await deliver(t, integration.hook, {
      id: 'HC1',
      name: 'new',
      country: 'FR',
      seq: 10,
    });
    expect((await runsOfEvent(t, eventId)).map((r) => r.state)).toEqual(['pending']);
    const res = await api.post(`/v1/runs/${dead.id}/cancel`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ state: 'cancelled', holdsLane: false });
    expect(res.body.outcome).toContain("gave up its record's place");
    expect((await settled(t, eventId)).state).toBe('succeeded');
    expect(heldBy('HC1').map((c) => c.seq)).toEqual([10]);
    // A dead run that holds nothing cannot be cancelled.
    const other = await createCustomerIntegration(api, {
      name: 'no hold',
      targetUrl: target.url,
      retry,
    });
    const free = await deadEvent(other.hook, 'HC2');
    const refused = await api.post(`/v1/runs/${free.dead.id}/cancel`);
    expect(pointersOf(refused, 409)).toEqual([]);
    expect(refused.body).toMatchObject({ state: 'dead' });
  });

  it('refuses an ordering it does not know, with a pointer', async () => {
    const res = await api.post('/v1/integrations', {
      name: 'bad ordering',
      trigger: { connector: 'test-crm', trigger: 'customer-changed', recordKey: 'id' },
      ordering: 'newest-wins',
      routes: [{ key: 'all', steps: [{ kind: 'filter', key: 'f', when: true }] }],
    });
    expect(pointersOf(res, 422)).toContain('/ordering');
  });
});
