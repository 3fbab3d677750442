import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { inStageSample } from '../../core/src/engine/stage-sample.js';
import {
  erpCalls,
  erpCustomers,
  erpOrders,
  rolloutErpConnector,
} from '../fixtures/connectors/rollout-erp.js';
import { pointersOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { orderSteps, rolloutHelpers } from './rollout-support.js';

let t: TestJunction;
let h: ReturnType<typeof rolloutHelpers>;

const { trigger, lookup, upsert, notTest } = orderSteps;

beforeAll(async () => {
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100', JUNCTION_SHADOW_SETTLE_MS: '600000' },
    { connectors: createStaticConnectorSource([rolloutErpConnector]) },
  );
  h = rolloutHelpers(t);
  erpCustomers.set('C1', { name: 'Ada Lovelace', tier: 'gold' });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => {
  erpOrders.clear();
  Object.assign(erpCalls, { upsert: 0, lookup: 0, current: 0 });
});

const orders = (name: string) => ({
  name,
  trigger,
  routes: [{ key: 'orders', steps: [lookup, notTest, upsert] }],
});
let n = 0;
const order = (fields: Record<string, unknown> = {}) => ({
  id: `ev-${++n}`,
  number: `SO-${n}`,
  customerId: 'C1',
  total: '12.50',
  status: 'open',
  ...fields,
});

describe('rollout stages', () => {
  it('changes stage only with If-Match, versioned and audited, and rolls back in one call', async () => {
    const { id } = await h.integration(orders('Stages'));
    const path = `/v1/integrations/${id}/rollout`;
    const read = await h.api.get(path);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"r0"');
    expect(read.body).toMatchObject({ stage: 'auto', version: 0, revision: 0, nextStage: null });

    expect((await h.api.put(path, { stage: 'shadow' })).status).toBe(428);
    const stale = await h.api.put(path, { stage: 'shadow' }, { 'if-match': '"r7"' });
    expect(stale.status).toBe(412);
    const m = { 'if-match': '"r0"' };
    expect(pointersOf(await h.api.put(path, { stage: 'sampled' }, m), 422)).toEqual([
      '/samplePercent',
    ]);
    expect(
      pointersOf(await h.api.put(path, { stage: 'shadow', samplePercent: 5 }, m), 422),
    ).toEqual(['/samplePercent']);
    expect(pointersOf(await h.api.put(path, { stage: 'sideways' }, m), 422)).toEqual(['/stage']);
    expect(
      pointersOf(await h.api.put(path, { stage: 'sampled', samplePercent: 120 }, m), 422),
    ).toEqual(['/samplePercent']);
    const operator = await h.token('operator');
    const refused = await t.request(path, {
      method: 'PUT',
      token: operator,
      headers: { 'content-type': 'application/json', 'if-match': '"r0"' },
      body: JSON.stringify({ stage: 'shadow' }),
    });
    expect(refused.status).toBe(403);
    // Nothing of that changed anything.
    expect((await h.api.get(`${path}/history`)).body.data).toEqual([]);
    expect(await auditsOf(id)).toEqual([]);

    const shadow = await h.api.put(path, { stage: 'shadow', reason: 'parallel run' }, m);
    expect(shadow.status, JSON.stringify(shadow.body)).toBe(200);
    expect(shadow.headers.get('etag')).toBe('"r1"');
    expect(shadow.body).toMatchObject({ stage: 'shadow', version: 1, revision: 1 });
    const review = await h.api.put(path, { stage: 'review-all' }, { 'if-match': '"r1"' });
    expect(review.body).toMatchObject({ stage: 'review-all', version: 2 });
    expect((await h.api.post(`${path}/rollback`, {})).status).toBe(428);
    const back = await h.api.post(
      `${path}/rollback`,
      { reason: 'reviewers overloaded' },
      { 'if-match': '"r2"' },
    );
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ stage: 'shadow', version: 3, revision: 3 });

    const history = (await h.api.get(`${path}/history`)).body.data;
    expect(history.map((v: { version: number; stage: string }) => [v.version, v.stage])).toEqual([
      [3, 'shadow'],
      [2, 'review-all'],
      [1, 'shadow'],
    ]);
    expect(history[0]).toMatchObject({ leftAt: null, reason: 'reviewers overloaded' });
    expect(history[1].leftAt).not.toBeNull();
    expect(await auditsOf(id)).toEqual([
      {
        action: 'integration.rollout.stage',
        actor: 'token:admin-env',
        before: 'auto',
        after: 'shadow',
      },
      {
        action: 'integration.rollout.stage',
        actor: 'token:admin-env',
        before: 'shadow',
        after: 'review-all',
      },
      {
        action: 'integration.rollout.rollback',
        actor: 'token:admin-env',
        before: 'review-all',
        after: 'shadow',
      },
    ]);
  });

  it('refuses each rollout route to a role without its permission, changing nothing', async () => {
    const { id } = await h.integration(orders('Roles'));
    const reviewer = await h.token('reviewer');
    const operator = await h.token('operator');
    const call = (token: string, method: string, path: string, body?: unknown) =>
      t.request(path, {
        method,
        token,
        headers: { 'content-type': 'application/json', 'if-match': '"r0"' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const base = `/v1/integrations/${id}/rollout`;
    // Reviewers see the review queue and nothing else.
    for (const path of [base, `${base}/history`, `${base}/report`])
      expect((await call(reviewer, 'GET', path)).status).toBe(403);
    expect((await call(operator, 'GET', base)).status).toBe(200);
    // Operators read and explain, but do not change configuration.
    expect((await call(operator, 'PUT', base, { stage: 'off' })).status).toBe(403);
    expect((await call(operator, 'POST', `${base}/rollback`, {})).status).toBe(403);
    expect(
      (await call(operator, 'PUT', `${base}/criteria`, { shadow: { minRuns: 1 } })).status,
    ).toBe(403);
    expect(
      (await call(reviewer, 'POST', '/v1/rollout/discrepancies/dsc_x/explain', { reason: 'x' }))
        .status,
    ).toBe(403);
    expect((await h.api.get(base)).body).toMatchObject({
      stage: 'auto',
      revision: 0,
      criteria: null,
    });
    // A rollback with nothing to roll back to is refused.
    const nothing = await h.api.post(`${base}/rollback`, {}, { 'if-match': '"r0"' });
    expect(nothing.status).toBe(409);
  });

  it('off refuses events with a clear answer and stores nothing; shadow accepts them again', async () => {
    const { id, hook } = await h.integration(orders('Off'));
    expect((await h.setStage(id, { stage: 'off' })).status).toBe(200);
    const [{ n: before }] = await h.query('select count(*)::int as n from events');
    const refused = await h.send(hook, order());
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/rollout stage is off/);
    const [{ n: after }] = await h.query('select count(*)::int as n from events');
    expect(after).toBe(before);
    expect((await h.setStage(id, { stage: 'shadow' })).status).toBe(200);
    // A webhook URL's integration is read again within a second.
    const event = order();
    await until(async () => (await h.send(hook, event)).status === 202);
    expect(await h.runOf(event.id)).toMatchObject({ state: 'succeeded', stage: 'shadow' });
  });

  it('shadow calls lookups and never a write, records the intended call, and every run shows its stage', async () => {
    const { id, hook } = await h.integration(orders('Shadow'));
    expect((await h.setStage(id, { stage: 'shadow' })).status).toBe(200);
    const sent = order({ number: 'SO-S1', id: 'ev-s1' });
    expect((await h.send(hook, sent)).status).toBe(202);
    const skipped = order({ number: 'SO-S2', id: 'ev-s2', status: 'test' });
    expect((await h.send(hook, skipped)).status).toBe(202);
    const run = await h.runOf('ev-s1');
    expect(run).toMatchObject({ state: 'succeeded', stage: 'shadow', stage_review: false });
    await h.runOf('ev-s2');

    expect(erpCalls).toMatchObject({ upsert: 0, lookup: 2 });
    expect(erpOrders.size).toBe(0);
    const steps = await h.query(
      'select step_key, state, input from run_steps where run_id = $1 order by id',
      [run.id],
    );
    expect(steps.map((s) => [s.step_key, s.state])).toEqual([
      ['customer', 'succeeded'],
      ['real', 'succeeded'],
      ['order', 'shadowed'],
    ]);
    const intended = { number: 'SO-S1', customer: 'ADA LOVELACE', total: 12.5, status: 'open' };
    expect(steps[2].input).toEqual(intended);
    const writes = await h.query(
      `select run_id, step_key, action_key, intended, input, target_key from shadow_writes
       where integration_id = $1 order by target_key`,
      [id],
    );
    expect(writes).toEqual([
      {
        run_id: run.id,
        step_key: 'order',
        action_key: 'upsert-order',
        intended: 'write',
        input: intended,
        target_key: 'SO-S1',
      },
      // The filtered order: what the write would have been, to find an extra record on the target.
      expect.objectContaining({ intended: 'none', target_key: 'SO-S2' }),
    ]);
    expect(
      await h.query(
        "select count(*)::int as n from record_links where integration_id = $1 and step_key = 'order'",
        [id],
      ),
    ).toEqual([{ n: 0 }]);

    const listed = await h.api.get(`/v1/runs?integration=${id}`);
    expect(listed.body.data.map((r: { stage: string }) => r.stage)).toEqual(['shadow', 'shadow']);
    const detail = await h.api.get(`/v1/runs/${run.id}`);
    expect(detail.body).toMatchObject({ stage: 'shadow', stageReview: false });
    expect(detail.body.steps.at(-1)).toMatchObject({ step: 'order', state: 'shadowed' });
  });

  it('review-all sends every write to the review queue; once approved it is written', async () => {
    const { id, hook } = await h.integration(orders('Review all'));
    expect((await h.setStage(id, { stage: 'review-all' })).status).toBe(200);
    expect((await h.send(hook, order({ id: 'ev-r1', number: 'SO-R1' }))).status).toBe(202);
    const run = await h.runOf('ev-r1');
    expect(run).toMatchObject({ state: 'waiting', stage: 'review-all', stage_review: true });
    expect(erpCalls.upsert).toBe(0);
    const [item] = await h.query(
      'select id, reason, proposal from review_items where run_id = $1',
      [run.id],
    );
    expect(item).toMatchObject({ reason: 'rollout', proposal: { number: 'SO-R1' } });
    const approved = await h.api.post(`/v1/reviews/${item.id}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await until(async () => {
      const [r] = await h.query('select state from runs where id = $1', [run.id]);
      return r.state === 'succeeded';
    });
    expect(erpOrders.get('SO-R1')).toEqual({
      customer: 'ADA LOVELACE',
      total: 12.5,
      status: 'open',
    });
  });

  it('sampled reviews a stable share of records: each record always alike, the rest automatic', async () => {
    const { id, hook } = await h.integration(orders('Sampled'));
    const set = await h.setStage(id, { stage: 'sampled', samplePercent: 30 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const records = Array.from({ length: 40 }, (_, i) => `SO-P${i}`);
    for (const number of records)
      for (const copy of [1, 2])
        expect((await h.send(hook, order({ id: `${number}-${copy}`, number }))).status).toBe(202);
    const runs = await until(async () => {
      const rows = await h.query(
        'select source_record, stage, stage_review, state from runs where integration_id = $1',
        [id],
      );
      return rows.length === 80 ? rows : undefined;
    });
    for (const number of records) {
      const mine = runs.filter((r) => r.source_record === number);
      const expected = inStageSample(id, number, 30);
      expect(mine.map((r) => r.stage_review)).toEqual([expected, expected]);
      expect(mine.every((r) => r.stage === 'sampled')).toBe(true);
    }
    // Outside the sample the write is made at once; inside it waits for a reviewer.
    const outside = records.filter((r) => !inStageSample(id, r, 30));
    await until(async () => outside.every((r) => erpOrders.has(r)));
    const inside = records.filter((r) => inStageSample(id, r, 30));
    expect(inside.some((r) => erpOrders.has(r))).toBe(false);
    await until(async () => {
      const [row] = await h.query(
        "select count(*)::int as n from review_items where integration_id = $1 and reason = 'rollout'",
        [id],
      );
      return row.n === inside.length;
    });
  });

  it('the sampled share is within statistical bounds, stable per record, and grows by adding records', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `record-${i}`);
    for (const percent of [1, 10, 30, 75]) {
      const share = keys.filter((k) => inStageSample('int_a', k, percent)).length / keys.length;
      // Binomial standard deviation at 20,000 records is at most 0.36 points: 5 deviations.
      expect(Math.abs(share - percent / 100)).toBeLessThan(0.018);
    }
    const at10 = keys.filter((k) => inStageSample('int_a', k, 10));
    expect(at10.every((k) => inStageSample('int_a', k, 30))).toBe(true);
    expect(keys.slice(0, 50).map((k) => inStageSample('int_a', k, 30))).toEqual(
      keys.slice(0, 50).map((k) => inStageSample('int_a', k, 30)),
    );
    // Another integration samples other records.
    const other = keys.filter((k) => inStageSample('int_b', k, 10));
    expect(other).not.toEqual(at10);
  });
});

async function auditsOf(integrationId: string) {
  const rows = await h.query(
    `select action, actor, data from audit_entries
     where integration_id = $1 and action like 'integration.rollout.%' order by id`,
    [integrationId],
  );
  return rows.map((r) => ({
    action: r.action,
    actor: r.actor,
    before: r.data.before.stage,
    after: r.data.after.stage,
  }));
}
