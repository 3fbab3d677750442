import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { createToken } from '../audit/audit-support.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf, pointersOf } from '../support/api.js';
import { startFakeTarget } from '../support/fake-target.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import {
  createCrmConnection,
  createTargetConnection,
  createTargetIntegration,
  deliver,
  settled,
} from './operations-support.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let target: Awaited<ReturnType<typeof startFakeTarget>>;
let hook: string;

const query = async (text: string, params: unknown[] = []) =>
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever rows come back.
  (await t.junction.database.pool.query(text, params)).rows as Record<string, any>[];
const posts = (number: string) =>
  target.requests.filter((r) => r.method === 'POST' && r.body.number === number);
/** Waits until the run has no graphile-worker job left: nothing will send its step again. */
const noJobLeft = (runId: string) =>
  until(
    async () =>
      (
        await query(`select 1 from graphile_worker._private_jobs where payload->>'runId' = $1`, [
          runId,
        ])
      ).length === 0,
  );

beforeAll(async () => {
  target = await startFakeTarget();
  // Steps time out after 500 ms here.
  t = await startTestJunction(
    { JUNCTION_STEP_TIMEOUT_MS: '500' },
    { connectors: createStaticConnectorSource([crm, targetApi]) },
  );
  api = apiOf(t);
  const crmConnection = await createCrmConnection(api);
  const erp = await createTargetConnection(api, target.url);
  hook = await createTargetIntegration(api, {
    name: 'CRM to an ERP without idempotency keys',
    crm: crmConnection,
    erp,
    action: 'create-customer-unkeyed',
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await target?.close();
});

describe('a non-idempotent step whose outcome is unknown', () => {
  it('is not sent again after a timeout: the run waits as unknown; "done" records the output the operator found', async () => {
    const held = target.holdNext();
    const eventId = await deliver(t, hook, { id: '1', name: 'Ada', country: 'FR' });
    await held.arrived;
    const run = await settled(t, eventId, ['unknown']);
    held.answer(); // the target did write it, after the step had given up
    await until(async () => posts('C-1').length === 1);
    expect(run).toMatchObject({
      state: 'unknown',
      outcome: 'unknown outcome',
      finished_at: null,
      sending: 'all/customer',
      last_error: { kind: 'unknownOutcome', step: 'all/customer' },
    });
    expect(run.last_error.message).toMatch(/did not finish within 500 ms/);
    await noJobLeft(run.id);

    const seen = await api.get(`/v1/runs/${run.id}`);
    expect(seen.body).toMatchObject({ state: 'unknown', outcome: 'unknown outcome' });
    const metrics = await (await t.request('/metrics', { token: null })).text();
    expect(metrics).toMatch(/junction_runs\{state="unknown"\} 1/);

    const [customer] = [...target.customers.values()].filter((c) => c.number === 'C-1');
    const decided = await api.post(`/v1/runs/${run.id}/decide`, {
      decision: 'done',
      output: { id: customer?.id, number: 'C-1' },
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body.state).toBe('queued');
    const done = await settled(t, eventId);
    expect(done).toMatchObject({ state: 'succeeded', sending: null, decision: null });
    expect(posts('C-1')).toHaveLength(1);
    expect(
      await query('select state, attempt, output from run_steps where run_id = $1 order by id', [
        run.id,
      ]),
    ).toEqual([
      { state: 'failed', attempt: 1, output: null },
      { state: 'succeeded', attempt: 2, output: { id: customer?.id, number: 'C-1' } },
    ]);
    expect(await query(`select target_id from record_links where source_id = '1'`)).toEqual([
      { target_id: customer?.id },
    ]);
    expect(
      await query(
        `select actor, action, data->>'decision' as decision, data->>'step' as step
         from audit_entries where run_id = $1 and action = 'run.decide'`,
        [run.id],
      ),
    ).toEqual([
      {
        actor: 'token:admin-env',
        action: 'run.decide',
        decision: 'done',
        step: 'all/customer',
      },
    ]);
  });

  it('is not retried after a 500 once sent; "send-again" sends it once more', async () => {
    target.failNext({ status: 500 });
    const eventId = await deliver(t, hook, { id: '2', name: 'Grace', country: 'US' });
    const run = await settled(t, eventId, ['unknown']);
    expect(run.last_error).toMatchObject({ kind: 'unknownOutcome', cause: { status: 500 } });
    await noJobLeft(run.id);
    expect(posts('C-2')).toHaveLength(1);

    const decided = await api.post(`/v1/runs/${run.id}/decide`, { decision: 'send-again' });
    expect(decided.status).toBe(200);
    expect((await settled(t, eventId)).state).toBe('succeeded');
    expect(posts('C-2').map((p) => p.status)).toEqual([500, 201]);
    expect([...target.customers.values()].filter((c) => c.number === 'C-2')).toHaveLength(1);
  });

  it('is retried as usual after a 429: the target refused it, nothing took effect', async () => {
    target.failNext({ status: 429, headers: { 'retry-after': '0' } });
    const eventId = await deliver(t, hook, { id: '3', name: 'Edsger', country: 'NL' });
    expect((await settled(t, eventId)).state).toBe('succeeded');
    expect(posts('C-3').map((p) => p.status)).toEqual([429, 201]);
  });

  it('refuses a decision on a run that is not unknown (409), a bad decision (422) and a viewer (403), changing nothing', async () => {
    const eventId = await deliver(t, hook, { id: '4', name: 'Barbara', country: 'US' });
    const run = await settled(t, eventId);
    expect(run.state).toBe('succeeded');
    const audits = await query('select count(*)::int as n from audit_entries');

    const conflict = await api.post(`/v1/runs/${run.id}/decide`, { decision: 'send-again' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ state: 'succeeded' });
    expect(
      pointersOf(await api.post(`/v1/runs/${run.id}/decide`, { decision: 'maybe' }), 422),
    ).toEqual(['/decision']);
    expect(
      pointersOf(await api.post(`/v1/runs/${run.id}/decide`, { decision: 'done' }), 422),
    ).toEqual(['/output']);
    const viewer = api.as((await createToken(t, 'viewer')).token);
    expect(
      (await viewer.post(`/v1/runs/${run.id}/decide`, { decision: 'send-again' })).status,
    ).toBe(403);
    expect(await api.post('/v1/runs/run_nope/decide', { decision: 'send-again' })).toMatchObject({
      status: 404,
    });
    expect((await settled(t, eventId)).state).toBe('succeeded');
    // The viewer's refusal and the token creation are audited; no decision is.
    expect(
      await query(
        `select count(*)::int as n from audit_entries where action = 'run.decide'
                   and run_id = $1`,
        [run.id],
      ),
    ).toEqual([{ n: 0 }]);
    expect((await query('select count(*)::int as n from audit_entries'))[0]?.n).toBeGreaterThan(
      audits[0]?.n,
    );
  });
});
