import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { createToken } from '../audit/audit-support.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf, countRows, pointersOf } from '../support/api.js';
import { startFakeTarget } from '../support/fake-target.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createCustomerIntegration, deliver, runsOfEvent, settled } from './operations-support.js';

const states = [
  'pending',
  'queued',
  'running',
  'waiting',
  'failed',
  'unknown',
  'succeeded',
  'dead',
  'cancelled',
];
let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let target: Awaited<ReturnType<typeof startFakeTarget>>;
/** Retries quickly, gives up after two attempts. */
let fast: { id: string; hook: string };
/** Waits an hour before a retry: a failed run stays failed while the test works on it. */
let slow: { id: string; hook: string };

beforeAll(async () => {
  target = await startFakeTarget();
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100' },
    { connectors: createStaticConnectorSource([crm, targetApi]) },
  );
  api = apiOf(t);
  fast = await createCustomerIntegration(api, {
    name: 'fast',
    targetUrl: target.url,
    retry: { maxAttempts: 2, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
  });
  slow = await createCustomerIntegration(api, {
    name: 'slow',
    targetUrl: target.url,
    retry: { maxAttempts: 3, initialDelaySeconds: 3600, maxDelaySeconds: 3600 },
  });
});
afterAll(async () => {
  await t?.close();
  await target?.close();
});

/** What a refused request must not change: runs and their states, jobs added, audit entries. */
async function snapshot() {
  const { rows } = await t.junction.database.pool.query(
    `select (select count(*)::int from runs) as runs,
            (select string_agg(id || ':' || state, ',' order by id) from runs) as states,
            pg_sequence_last_value(
              pg_get_serial_sequence('graphile_worker._private_jobs', 'id')::regclass) as jobs_added,
            (select count(*)::int from audit_entries where action <> 'access.denied') as audit`,
  );
  return rows[0];
}

function writesOf(number: string) {
  return target.requests.filter((r) => r.body.number === number && r.status < 300);
}

describe('GET /v1/runs', () => {
  it('lists runs newest first, filtered by integration, record, state and time, page by page', async () => {
    const first = await settled(
      t,
      await deliver(t, fast.hook, { id: 'L1', name: 'a', country: 'FR' }),
    );
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5)); // created_at has millisecond precision
    const second = await settled(
      t,
      await deliver(t, fast.hook, { id: 'L1', name: 'b', country: 'FR' }),
    );
    const third = await settled(
      t,
      await deliver(t, fast.hook, { id: 'L2', name: 'c', country: 'DE' }),
    );
    const other = await settled(
      t,
      await deliver(t, slow.hook, { id: 'L3', name: 'd', country: 'NL' }),
    );

    const all = await api.get(`/v1/runs?integration=${fast.id}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((r: { id: string }) => r.id)).toEqual([third.id, second.id, first.id]);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.data[0]).toEqual({
      id: third.id,
      integration: fast.id,
      version: 1,
      eventId: third.event_id,
      sourceRecord: 'L2',
      state: 'succeeded',
      attempts: 1,
      maxAttempts: 2,
      replayOf: null,
      outcome: null,
      lastError: null,
      createdAt: expect.stringMatching(/Z$/),
      startedAt: expect.stringMatching(/Z$/),
      finishedAt: expect.stringMatching(/Z$/),
      nextAttemptAt: null,
      holdsLane: false,
      stage: 'auto',
      stageReview: false,
    });

    const byRecord = await api.get(`/v1/runs?integration=${fast.id}&record=L1`);
    expect(byRecord.body.data.map((r: { id: string }) => r.id)).toEqual([second.id, first.id]);
    const otherOnly = await api.get(`/v1/runs?integration=${slow.id}&state=succeeded`);
    expect(otherOnly.body.data.map((r: { id: string }) => r.id)).toEqual([other.id]);
    const none = await api.get(`/v1/runs?integration=${fast.id}&state=dead,failed`);
    expect(none.body.data).toEqual([]);
    const repeated = await api.get(`/v1/runs?integration=${fast.id}&state=dead&state=succeeded`);
    expect(repeated.body.data).toHaveLength(3);
    const later = await api.get(
      `/v1/runs?integration=${fast.id}&from=${encodeURIComponent(between)}`,
    );
    expect(later.body.data.map((r: { id: string }) => r.id)).toEqual([third.id, second.id]);
    const earlier = await api.get(
      `/v1/runs?integration=${fast.id}&to=${encodeURIComponent(between)}`,
    );
    expect(earlier.body.data.map((r: { id: string }) => r.id)).toEqual([first.id]);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(
        `/v1/runs?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      paged.push(...page.body.data.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const unpaged = await api.get('/v1/runs?limit=500');
    expect(paged).toEqual(unpaged.body.data.map((r: { id: string }) => r.id));
    expect(paged).toHaveLength(await countRows(t, 'runs'));
  });

  it('refuses bad filters with a pointer to each', async () => {
    const bad = await api.get('/v1/runs?state=dead,asleep&from=yesterday&limit=0');
    expect(pointersOf(bad, 422)).toEqual(['/from', '/limit', '/state']);
    expect(bad.body.errors.find((e: { pointer: string }) => e.pointer === '/state').detail).toMatch(
      /pending, queued/,
    );
    const cursor = await api.get('/v1/runs?cursor=bm90LWEtY3Vyc29y');
    expect(pointersOf(cursor, 400)).toEqual(['/cursor']);
  });
});

describe('GET /v1/runs/{id}', () => {
  it('shows the run with its event and every step attempt in order', async () => {
    target.failNext({ status: 500 });
    const eventId = await deliver(t, fast.hook, { id: 'D1', name: 'Dora', country: 'FR' });
    const run = await settled(t, eventId);
    const res = await api.get(`/v1/runs/${run.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: run.id,
      state: 'succeeded',
      attempts: 2,
      event: { id: eventId, sourceRecord: 'D1', data: { id: 'D1', name: 'Dora', country: 'FR' } },
    });
    expect(res.body.steps).toEqual([
      expect.objectContaining({
        route: 'all',
        step: 'customer',
        attempt: 1,
        state: 'failed',
        input: { number: 'C-D1', name: 'DORA', country: 'FR', seq: 0 },
        output: null,
        error: expect.objectContaining({ kind: expect.any(String) }),
      }),
      expect.objectContaining({
        attempt: 2,
        state: 'succeeded',
        output: { id: expect.any(String), number: 'C-D1' },
        error: null,
        durationMs: expect.any(Number),
      }),
    ]);
  });

  it('answers 404 problem+json for an unknown run', async () => {
    const res = await api.get('/v1/runs/run_nope');
    expect(pointersOf(res, 404)).toEqual([]);
    expect(res.body.detail).toBe('No run with id run_nope.');
  });
});

describe('POST /v1/runs/{id}/replay', () => {
  it('replays a dead run once the target is fixed: one record, the new run linked to the old', async () => {
    target.failNext({ status: 400, body: { error: 'country not served' } });
    const eventId = await deliver(t, fast.hook, { id: 'R1', name: 'Rita', country: 'XX' });
    const dead = await settled(t, eventId);
    expect(dead.state).toBe('dead');
    expect(writesOf('C-R1')).toHaveLength(0);

    const res = await api.post(`/v1/runs/${dead.id}/replay`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/runs/${res.body.id}`);
    expect(res.body).toMatchObject({
      replayOf: dead.id,
      eventId,
      integration: fast.id,
      version: 1,
      state: 'queued',
      attempts: 0,
      maxAttempts: 2,
    });
    const replay = await settled(t, eventId);
    expect(replay).toMatchObject({ id: res.body.id, state: 'succeeded', replay_of: dead.id });
    expect(writesOf('C-R1')).toHaveLength(1);
    expect([...target.customers.values()].filter((c) => c.number === 'C-R1')).toHaveLength(1);
    const runs = await runsOfEvent(t, eventId);
    expect(runs.map((r) => r.state)).toEqual(['dead', 'succeeded']);

    const { rows: audit } = await t.junction.database.pool.query(
      `select * from audit_entries where action = 'run.replay' and subject_id = $1`,
      [dead.id],
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'token:admin-env',
        subject_type: 'run',
        integration_id: fast.id,
        run_id: res.body.id,
      }),
    ]);

    // A run is replayed once: the second request says which run replays it, and changes nothing.
    const before = await snapshot();
    const again = await api.post(`/v1/runs/${dead.id}/replay`);
    expect(pointersOf(again, 409)).toEqual([]);
    expect(again.body).toMatchObject({ state: 'dead', replayedBy: res.body.id });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to replay a succeeded run (409 with its state) and changes nothing', async () => {
    const run = await settled(
      t,
      await deliver(t, fast.hook, { id: 'S1', name: 'Sam', country: 'FR' }),
    );
    expect(run.state).toBe('succeeded');
    const before = await snapshot();
    const res = await api.post(`/v1/runs/${run.id}/replay`);
    expect(pointersOf(res, 409)).toEqual([]);
    expect(res.body).toMatchObject({
      state: 'succeeded',
      detail: 'Only dead or failed runs can be replayed; this run is succeeded.',
    });
    expect(await snapshot()).toEqual(before);
    expect((await api.post('/v1/runs/run_nope/replay')).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('answers the first replay again for a retry with the same Idempotency-Key', async () => {
    target.failNext({ status: 400 });
    const eventId = await deliver(t, fast.hook, { id: 'K1', name: 'Kim', country: 'XX' });
    const dead = await settled(t, eventId);
    const headers = { 'idempotency-key': `replay-${dead.id}` };
    const first = await api.post(`/v1/runs/${dead.id}/replay`, undefined, headers);
    const second = await api.post(`/v1/runs/${dead.id}/replay`, undefined, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    await settled(t, eventId);
    expect((await runsOfEvent(t, eventId)).map((r) => r.state)).toEqual(['dead', 'succeeded']);
  });
});

describe('POST /v1/integrations/{id}/replay-dead', () => {
  it('replays every dead run not replayed yet, then finds nothing more to do', async () => {
    const deadEvents: string[] = [];
    for (const id of ['RD1', 'RD2', 'RD3']) {
      target.failNext({ status: 400 });
      const eventId = await deliver(t, fast.hook, { id, name: id, country: 'XX' });
      expect((await settled(t, eventId)).state).toBe('dead');
      deadEvents.push(eventId);
    }
    const { rows: waiting } = await t.junction.database.pool.query(
      `select r.id from runs r where r.integration_id = $1 and r.state = 'dead'
       and not exists (select 1 from runs n where n.replay_of = r.id) order by r.seq`,
      [fast.id],
    );
    expect(waiting.length).toBeGreaterThanOrEqual(3);

    const res = await api.post(`/v1/integrations/${fast.id}/replay-dead`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.count).toBe(waiting.length);
    expect(res.body.runs.map((r: { replayOf: string }) => r.replayOf)).toEqual(
      waiting.map((r) => r.id),
    );
    expect(res.body.skipped).toEqual([]);
    for (const eventId of deadEvents) expect((await settled(t, eventId)).state).toBe('succeeded');
    for (const id of ['RD1', 'RD2', 'RD3']) expect(writesOf(`C-${id}`)).toHaveLength(1);
    const { rows: audit } = await t.junction.database.pool.query(
      `select run_id from audit_entries where action = 'run.replay' and run_id = any($1)`,
      [res.body.runs.map((r: { id: string }) => r.id)],
    );
    expect(audit).toHaveLength(waiting.length);

    const before = await snapshot();
    const again = await api.post(`/v1/integrations/${fast.id}/replay-dead`);
    expect(again.body).toEqual({ count: 0, runs: [], skipped: [] });
    expect(await snapshot()).toEqual(before);
    expect((await api.post('/v1/integrations/int_nope/replay-dead')).status).toBe(404);
  });
});

describe('POST /v1/runs/{id}/cancel', () => {
  it("cancels a pending run behind a retrying one, and the record's lane moves on past it", async () => {
    target.failNext({ status: 500 });
    const firstEvent = await deliver(t, slow.hook, { id: 'P1', name: 'v1', country: 'FR', seq: 1 });
    const failed = await settled(t, firstEvent, ['failed']);
    expect(new Date(failed.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 60_000);
    const secondEvent = await deliver(t, slow.hook, {
      id: 'P1',
      name: 'v2',
      country: 'FR',
      seq: 2,
    });
    const thirdEvent = await deliver(t, slow.hook, { id: 'P1', name: 'v3', country: 'FR', seq: 3 });
    const [second] = await runsOfEvent(t, secondEvent);
    const [third] = await runsOfEvent(t, thirdEvent);
    expect([second.state, third.state]).toEqual(['pending', 'pending']);

    const cancelled = await api.post(`/v1/runs/${second.id}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ id: second.id, state: 'cancelled' });
    expect(cancelled.body.finishedAt).not.toBeNull();
    const { rows: audit } = await t.junction.database.pool.query(
      `select * from audit_entries where action = 'run.cancel' and subject_id = $1`,
      [second.id],
    );
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'token:admin-env', run_id: second.id }),
    ]);
    // The third still waits behind the failed first run.
    expect((await runsOfEvent(t, thirdEvent))[0].state).toBe('pending');

    // Replaying the failed run cancels it and puts its replay at the head of the lane; when the
    // replay succeeds, the lane skips the cancelled run and runs the third.
    const replay = await api.post(`/v1/runs/${failed.id}/replay`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(201);
    expect(replay.body).toMatchObject({ state: 'queued', replayOf: failed.id, maxAttempts: 3 });
    expect(await settled(t, firstEvent)).toMatchObject({ id: replay.body.id, state: 'succeeded' });
    expect((await runsOfEvent(t, firstEvent)).map((r) => r.state)).toEqual([
      'cancelled',
      'succeeded',
    ]);
    expect((await settled(t, thirdEvent)).state).toBe('succeeded');
    expect((await runsOfEvent(t, secondEvent)).map((r) => r.state)).toEqual(['cancelled']);
    expect(writesOf('C-P1').map((r) => r.body.seq)).toEqual([1, 3]);
  });

  it('refuses to cancel a run that is not queued or pending (409 with its state)', async () => {
    const run = await settled(
      t,
      await deliver(t, fast.hook, { id: 'C1', name: 'c', country: 'FR' }),
    );
    const before = await snapshot();
    const res = await api.post(`/v1/runs/${run.id}/cancel`);
    expect(pointersOf(res, 409)).toEqual([]);
    expect(res.body).toMatchObject({
      state: 'succeeded',
      detail:
        "Only queued, pending or waiting runs, or a dead run that keeps its record's place, can be cancelled; this run is succeeded.",
    });
    expect((await api.post('/v1/runs/run_nope/cancel')).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});

describe('GET /v1/integrations/{id}/runs/stats', () => {
  it('counts runs by state, every state present', async () => {
    const res = await api.get(`/v1/integrations/${slow.id}/runs/stats`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.counts).sort()).toEqual([...states].sort());
    const { rows } = await t.junction.database.pool.query(
      'select state, count(*)::int as n from runs where integration_id = $1 group by state',
      [slow.id],
    );
    const expected = Object.fromEntries(states.map((s) => [s, 0]));
    for (const row of rows) expected[row.state] = row.n;
    expect(res.body).toEqual({ integration: slow.id, counts: expected });
    expect(res.body.counts.cancelled).toBe(2);
    expect((await api.get('/v1/integrations/int_nope/runs/stats')).status).toBe(404);
  });
});

describe('roles', () => {
  it('lets a viewer read runs but refuses replay, replay-dead and cancel with 403, changing nothing', async () => {
    const viewer = (await createToken(t, 'viewer')).token;
    const as = api.as(viewer);
    expect((await as.get('/v1/runs?limit=1')).status).toBe(200);
    expect((await as.get(`/v1/integrations/${fast.id}/runs/stats`)).status).toBe(200);
    target.failNext({ status: 400 });
    const dead = await settled(
      t,
      await deliver(t, fast.hook, { id: 'V1', name: 'v', country: 'XX' }),
    );
    const before = await snapshot();
    for (const path of [
      `/v1/runs/${dead.id}/replay`,
      `/v1/runs/${dead.id}/cancel`,
      `/v1/integrations/${fast.id}/replay-dead`,
    ]) {
      const res = await as.post(path);
      expect(pointersOf(res, 403), path).toEqual([]);
      expect(res.body.permission).toBe('runs:operate');
    }
    expect(await snapshot()).toEqual(before);
    const operator = api.as((await createToken(t, 'operator')).token);
    expect((await operator.post(`/v1/runs/${dead.id}/replay`)).status).toBe(201);
  });
});

describe('OpenAPI', () => {
  it('describes every run route', async () => {
    const doc = (await api.get('/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/runs',
        '/v1/runs/{id}',
        '/v1/runs/{id}/replay',
        '/v1/runs/{id}/cancel',
        '/v1/integrations/{id}/replay-dead',
        '/v1/integrations/{id}/runs/stats',
        '/metrics',
      ]),
    );
    expect(doc.components.schemas.Run.example).toMatchObject({ state: 'dead' });
  });
});
