import http from 'node:http';
import { signHmacHex } from '@junction/connector-kit';
import { createLogger } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf, countRows } from '../support/api.js';
import { startFakeTarget } from '../support/fake-target.js';
import { captureLogs } from '../support/log-capture.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

const CRM_KEY = 'crm-webhook-secret';
let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let target: Awaited<ReturnType<typeof startFakeTarget>>;
let hook: string;
let integrationId: string;
const logs = captureLogs();

beforeAll(async () => {
  target = await startFakeTarget();
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100' },
    {
      connectors: createStaticConnectorSource([crm, targetApi]),
      logger: createLogger('info', logs.stream),
    },
  );
  api = apiOf(t);
  const crmConnection = (
    await api.post('/v1/connections', {
      name: 'CRM',
      connector: 'test-crm',
      credentials: { apiKey: CRM_KEY },
    })
  ).body.id;
  const erpConnection = (
    await api.post('/v1/connections', {
      name: 'ERP',
      connector: 'test-target',
      credentials: { token: 'erp-token' },
      settings: { baseUrl: target.url },
    })
  ).body.id;
  const created = await api.post('/v1/integrations', {
    name: 'CRM to ERP',
    trigger: {
      connector: 'test-crm',
      trigger: 'customer-changed',
      connection: crmConnection,
      recordKey: 'id',
    },
    retry: { maxAttempts: 4, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
    routes: [
      {
        key: 'all',
        steps: [
          {
            kind: 'action',
            key: 'customer',
            connector: 'test-target',
            connection: erpConnection,
            action: 'create-customer',
            linkedAction: 'update-customer',
            targetId: 'id',
            mapping: {
              id: { var: 'links.customer.targetId' },
              number: { cat: ['C-', { var: 'event.id' }] },
              name: { upper: { var: 'event.name' } },
              country: { var: 'event.country' },
              seq: { '??': [{ var: 'event.seq' }, 0] },
            },
          },
        ],
      },
    ],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  integrationId = created.body.id;
  hook = created.body.webhookPath;
  const enabled = await api.post(`/v1/integrations/${integrationId}/enable`, undefined, {
    'if-match': created.headers.get('etag') as string,
  });
  expect(enabled.status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await target?.close();
});

function deliver(event: Record<string, unknown>, secret = CRM_KEY) {
  const body = JSON.stringify({ updated_at: '2026-11-28T10:00:00.000Z', ...event });
  return t.request(hook, {
    method: 'POST',
    token: null,
    headers: {
      'content-type': 'application/json',
      'x-signature': signHmacHex({ secret, payload: body }),
    },
    body,
  });
}

async function runOf(eventId: string) {
  const { rows } = await t.junction.database.pool.query(
    'select * from runs where event_id = $1 order by seq',
    [eventId],
  );
  return rows;
}

async function settled(eventId: string, states = ['succeeded', 'dead']) {
  return until(async () => {
    const [run] = await runOf(eventId);
    return run && states.includes(run.state) ? run : undefined;
  });
}

async function stepsOf(runId: string) {
  const { rows } = await t.junction.database.pool.query(
    'select * from run_steps where run_id = $1 order by id',
    [runId],
  );
  return rows;
}

describe('webhook to target record', () => {
  it('stores the event and its run before answering 202, then writes the target record', async () => {
    const res = await deliver({ id: '1', name: 'Ada', country: 'FR' });
    expect(res.status).toBe(202);
    const { events } = (await res.json()) as { events: { id: string; duplicate: boolean }[] };
    expect(events).toEqual([{ id: expect.stringMatching(/^evt_/), duplicate: false }]);
    const run = await settled(events[0]!.id);
    expect(run).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      integration_version: 1,
      source_record: '1',
    });
    expect([...target.customers.values()]).toEqual([
      { id: 'T-1', number: 'C-1', name: 'ADA', country: 'FR', seq: 0 },
    ]);
    const [step] = await stepsOf(run.id);
    expect(step).toMatchObject({
      state: 'succeeded',
      input: { number: 'C-1', name: 'ADA', country: 'FR', seq: 0 },
      output: { id: 'T-1', number: 'C-1' },
    });
    const { rows: links } = await t.junction.database.pool.query('select * from record_links');
    expect(links).toEqual([
      expect.objectContaining({
        source_system: 'test-crm',
        source_id: '1',
        target_system: 'test-target',
        target_id: 'T-1',
      }),
    ]);
    const { rows: audit } = await t.junction.database.pool.query(
      `select * from audit_entries where action = 'record.write'`,
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor: `integration:${integrationId}`,
        subject_id: 'test-crm:1',
        run_id: run.id,
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain('erp-token');
  });

  it('logs each webhook request without its token (the webhook URL is the secret)', async () => {
    // A wrong signature: logged like any request, and it leaves no record to disturb the others.
    const res = await deliver({ id: 'logged', name: 'Lin', country: 'DE' }, 'not-the-key');
    expect(res.status).toBe(401);
    const token = hook.slice('/hooks/'.length);
    expect(token.length).toBeGreaterThan(20);
    const line = await until(async () =>
      logs
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.requestId === res.headers.get('x-request-id')),
    );
    expect(line).toMatchObject({ msg: 'request', path: '/hooks/[redacted]', status: 401 });
    expect(logs.text()).not.toContain(token);
  });

  it('treats a replayed delivery as a no-op that still answers 202', async () => {
    const before = await countRows(t, 'runs');
    const first = await deliver({ id: '1', name: 'Ada', country: 'FR' });
    expect(first.status).toBe(202);
    expect(
      ((await first.json()) as { events: { duplicate: boolean }[] }).events[0]?.duplicate,
    ).toBe(true);
    expect(await countRows(t, 'runs')).toBe(before);
  });

  it('updates the linked record for the next event of the same record, and skips an identical write', async () => {
    const changed = await deliver({
      id: '1',
      name: 'Ada Lovelace',
      country: 'FR',
      updated_at: '2026-11-28T11:00:00.000Z',
    });
    const run = await settled(
      ((await changed.json()) as { events: { id: string }[] }).events[0]!.id,
    );
    expect(run.state).toBe('succeeded');
    expect(target.customers.size).toBe(1);
    expect(target.customers.get('T-1')).toMatchObject({ name: 'ADA LOVELACE' });
    expect(target.requests.at(-1)).toMatchObject({ method: 'PUT', path: '/customers/T-1' });

    const requests = target.requests.length;
    const same = await deliver({
      id: '1',
      name: 'Ada Lovelace',
      country: 'FR',
      updated_at: '2026-11-28T12:00:00.000Z',
    });
    const sameRun = await settled(
      ((await same.json()) as { events: { id: string }[] }).events[0]!.id,
    );
    expect(sameRun.state).toBe('succeeded');
    expect((await stepsOf(sameRun.id)).map((s) => s.state)).toEqual(['skipped']);
    expect(target.requests.length).toBe(requests);
  });

  it('refuses a forged signature with 401 and stores nothing', async () => {
    const events = await countRows(t, 'events');
    const res = await deliver({ id: '2', name: 'Eve', country: 'DE' }, 'not-the-secret');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await countRows(t, 'events')).toBe(events);
  });

  it('refuses a body over the limit with 413, sent with Content-Length or chunked, storing nothing', async () => {
    const events = await countRows(t, 'events');
    const big = JSON.stringify({
      id: '3',
      name: 'x'.repeat(2_000_000),
      country: 'FR',
      updated_at: '2026-11-28T10:00:00.000Z',
    });
    const sized = await t.request(hook, {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(sized.status).toBe(413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${t.url}${hook}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(100_000));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(await countRows(t, 'events')).toBe(events);
  });

  it('answers 404 for an unknown hook', async () => {
    const res = await t.request('/hooks/hk_unknown', { method: 'POST', token: null, body: '{}' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 404, detail: 'No integration has this webhook URL.' });
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers 500 with the request id when the events cannot be stored, and logs the error', async () => {
    const { pool } = t.junction.database;
    await pool.query(`
      create function refuse_event() returns trigger language plpgsql as $$
      begin raise exception 'events are refused'; end $$;
      create trigger refuse_event before insert on events
        for each row when (new.data->>'id' = 'refused') execute function refuse_event()`);
    try {
      const events = await countRows(t, 'events');
      const res = await deliver({ id: 'refused', name: 'Rae', country: 'FR' });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const requestId = res.headers.get('x-request-id');
      expect(await res.json()).toMatchObject({ status: 500, requestId });
      expect(await countRows(t, 'events')).toBe(events);
      const line = await until(async () =>
        logs
          .text()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.requestId === requestId && l.msg === 'unhandled error'),
      );
      expect(JSON.stringify(line)).toContain('events are refused');
    } finally {
      await pool.query('drop trigger refuse_event on events; drop function refuse_event()');
    }
  });

  it('keeps a valid X-Request-Id of the sender and replaces one that is not', async () => {
    const kept = await t.request('/hooks/hk_unknown', {
      method: 'POST',
      token: null,
      headers: { 'x-request-id': 'crm-delivery-42' },
      body: '{}',
    });
    expect(kept.headers.get('x-request-id')).toBe('crm-delivery-42');
    const replaced = await t.request('/hooks/hk_unknown', {
      method: 'POST',
      token: null,
      headers: { 'x-request-id': 'not valid!' },
      body: '{}',
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers other methods and malformed webhook URLs as the rest of the API does, storing nothing', async () => {
    const events = await countRows(t, 'events');
    const get = await t.request(hook, { token: null });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const long = await t.request(`/hooks/${'k'.repeat(201)}`, {
      method: 'POST',
      token: null,
      body: '{}',
    });
    expect(long.status).toBe(422);
    expect(((await long.json()) as { errors: { in: string }[] }).errors[0]?.in).toBe('path');
    const nested = await t.request(`${hook}/more`, { method: 'POST', token: null, body: '{}' });
    expect(nested.status).toBe(404);
    expect(await countRows(t, 'events')).toBe(events);
  });
});

describe('retries', () => {
  it('retries 500 twice then succeeds: one record, three attempts recorded', async () => {
    target.failNext({ status: 500 }, { status: 500 });
    const res = await deliver({ id: '10', name: 'Grace', country: 'US' });
    const run = await settled(((await res.json()) as { events: { id: string }[] }).events[0]!.id);
    expect(run).toMatchObject({ state: 'succeeded', attempts: 3 });
    expect((await stepsOf(run.id)).map((s) => [s.attempt, s.state])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
    expect([...target.customers.values()].filter((c) => c.number === 'C-10')).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    target.failNext({ status: 429, headers: { 'retry-after': '1' } });
    const res = await deliver({ id: '11', name: 'Linus', country: 'NL' });
    const run = await settled(((await res.json()) as { events: { id: string }[] }).events[0]!.id);
    expect(run.state).toBe('succeeded');
    const [failed, succeeded] = await stepsOf(run.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ kind: 'rateLimited' });
    expect(
      new Date(succeeded.started_at).getTime() - new Date(failed.finished_at).getTime(),
    ).toBeGreaterThanOrEqual(900);
  });

  it('sends a run dead at once on 400 (not retryable)', async () => {
    target.failNext({ status: 400, body: { error: 'country not served' } });
    const res = await deliver({ id: '12', name: 'Ken', country: 'XX' });
    const run = await settled(((await res.json()) as { events: { id: string }[] }).events[0]!.id);
    expect(run).toMatchObject({ state: 'dead', attempts: 1, outcome: 'not retryable' });
    expect(run.last_error).toMatchObject({ kind: 'invalidInput' });
  });

  it('goes dead when attempts are exhausted', async () => {
    target.failNext({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const res = await deliver({ id: '13', name: 'Barbara', country: 'US' });
    const run = await settled(((await res.json()) as { events: { id: string }[] }).events[0]!.id);
    expect(run).toMatchObject({ state: 'dead', attempts: 4, outcome: 'attempts exhausted' });
  });
});

/**
 * Makes the database refuse the first `times` updates of a run into one of `states` with
 * `message` (counted by a sequence, which a rollback does not undo). Returns the undo.
 */
async function refuseRunUpdates(states: string[], times: number, message: string) {
  const pool = t.junction.database.pool;
  await pool.query(`
    create sequence refuse_runs_seq;
    create function refuse_runs() returns trigger language plpgsql as $$
    begin
      if new.state = any(${sqlLiteral(`{${states.join(',')}}`)}::text[])
         and nextval('refuse_runs_seq') <= ${times} then
        raise exception ${sqlLiteral(message)};
      end if;
      return new;
    end $$;
    create trigger refuse_runs before update on runs for each row execute function refuse_runs()`);
  return () =>
    pool.query(
      'drop trigger refuse_runs on runs; drop function refuse_runs(); drop sequence refuse_runs_seq',
    );
}

const sqlLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

describe("Junction's own failures", () => {
  it('retries an attempt whose outcome could not be stored, keeping the step it had done', async () => {
    // The first time a run is set succeeded, the database refuses.
    const restore = await refuseRunUpdates(
      ['succeeded'],
      1,
      'injected: the database refused the outcome',
    );
    try {
      const writes = target.requests.length;
      const res = await deliver({ id: '14', name: 'Frances', country: 'US' });
      const run = await settled(((await res.json()) as { events: { id: string }[] }).events[0]!.id);
      expect(run).toMatchObject({ state: 'succeeded', attempts: 2 });
      expect(run.last_error).toMatchObject({
        kind: 'retryable',
        message: expect.stringContaining('injected: the database refused the outcome'),
      });
      // The write of attempt 1 was recorded with the failed outcome, so attempt 2 did not repeat it.
      expect((await stepsOf(run.id)).map((s) => [s.attempt, s.state])).toEqual([[1, 'succeeded']]);
      expect(target.requests.length - writes).toBe(1);
      expect([...target.customers.values()].filter((c) => c.number === 'C-14')).toHaveLength(1);
    } finally {
      await restore();
    }
  });
  it('takes a run back when its attempt could store no outcome at all, writing the record once', async () => {
    // Both endings of the first attempt are refused (succeeded, then failed for a retry), as if
    // the database went away at the end of the attempt: the job fails, and graphile-worker runs
    // it again later (about 3 s). Before, the run stayed `running` for good.
    const restore = await refuseRunUpdates(
      ['succeeded', 'failed'],
      2,
      'injected: the database is gone',
    );
    try {
      const writes = target.requests.length;
      const res = await deliver({ id: '15', name: 'Grace', country: 'US' });
      const eventId = ((await res.json()) as { events: { id: string }[] }).events[0]!.id;
      const run = await settled(eventId);
      expect(run).toMatchObject({ state: 'succeeded', attempts: 2 });
      // The job failed once in graphile-worker (its error kept there until it succeeded).
      expect(logs.text()).toContain('injected: the database is gone');
      // Attempt 1's write could not be recorded, so attempt 2 sent it again with the same
      // idempotency key: the target holds one record.
      expect(target.requests.length - writes).toBe(2);
      expect([...target.customers.values()].filter((c) => c.number === 'C-15')).toHaveLength(1);
      expect((await stepsOf(run.id)).map((s) => [s.attempt, s.state])).toEqual([[2, 'succeeded']]);
    } finally {
      await restore();
    }
  }, 20_000);
});

describe('ordering', () => {
  it('applies events of one record in arrival order while other records run in parallel', async () => {
    target.failNext({ status: 500 }); // the first one of the record retries; the others wait for it
    const ids: string[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      const res = await deliver({
        id: '20',
        name: `v${seq}`,
        country: 'FR',
        seq,
        updated_at: `2026-11-28T13:00:0${seq}.000Z`,
      });
      ids.push(((await res.json()) as { events: { id: string }[] }).events[0]!.id);
      await deliver({ id: `3${seq}`, name: 'other', country: 'DE', seq });
    }
    for (const id of ids) await settled(id);
    const writes = target.requests
      .filter((r) => r.body.number === 'C-20' && r.status < 300)
      .map((r) => r.body.seq);
    expect(writes).toEqual([1, 2, 3, 4, 5]);
    expect([...target.customers.values()].find((c) => c.number === 'C-20')).toMatchObject({
      name: 'V5',
      seq: 5,
    });
  });
});

describe('disabled integration', () => {
  it('answers 410 and stores nothing', async () => {
    const current = await api.get(`/v1/integrations/${integrationId}`);
    await api.post(`/v1/integrations/${integrationId}/disable`, undefined, {
      'if-match': current.headers.get('etag') as string,
    });
    await new Promise((r) => setTimeout(r, 1100)); // the hook cache holds an integration for 1 s
    const events = await countRows(t, 'events');
    const res = await deliver({ id: '99', name: 'Late', country: 'FR' });
    expect(res.status).toBe(410);
    expect(await countRows(t, 'events')).toBe(events);
  });
});
