import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
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
let integrationId: string;

const definition = {
  name: 'Orders to ERP (parallel run)',
  trigger: orderSteps.trigger,
  routes: [{ key: 'orders', steps: [orderSteps.lookup, orderSteps.notTest, orderSteps.upsert] }],
};

beforeAll(async () => {
  t = await startTestJunction(
    {
      JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
      JUNCTION_WAIT_SWEEP_MS: '100',
      JUNCTION_SHADOW_SETTLE_MS: '0',
    },
    { connectors: createStaticConnectorSource([rolloutErpConnector]) },
  );
  h = rolloutHelpers(t);
  erpCustomers.set('C1', { name: 'Ada Lovelace', tier: 'gold' });
  erpOrders.clear();
  Object.assign(erpCalls, { upsert: 0, lookup: 0, current: 0 });
  const created = await h.integration(definition);
  integrationId = created.id;
  expect((await h.setStage(integrationId, { stage: 'shadow' })).status).toBe(200);

  // The manual process keyed these into the ERP, with deliberate mistakes.
  const right = { customer: 'ADA LOVELACE', total: 12.5, status: 'open' };
  erpOrders.set('SO-A1', right);
  // Typed as text: the same amount, written differently.
  erpOrders.set('SO-A2', { ...right, total: '12.50' as unknown as number });
  erpOrders.set('SO-F1', { ...right, total: 21.5 }); // a typo
  erpOrders.set('SO-X1', { ...right, status: 'test' }); // a test order keyed in by mistake
  // SO-M1 was forgotten; SO-X2, a test order, rightly left out.
  for (const [number, status] of [
    ['SO-A1', 'open'],
    ['SO-A2', 'open'],
    ['SO-M1', 'open'],
    ['SO-F1', 'open'],
    ['SO-X1', 'test'],
    ['SO-X2', 'test'],
  ] as const) {
    const sent = await h.send(created.hook, {
      id: `ev-${number}`,
      number,
      customerId: 'C1',
      total: '12.50',
      status,
    });
    expect(sent.status).toBe(202);
  }
  await until(async () => {
    const [row] = await h.query(
      'select count(*)::int as n from shadow_writes where integration_id = $1 and compared_at is not null',
      [integrationId],
    );
    return row.n === 6;
  });
});
afterAll(async () => {
  await t?.close();
});

const report = async (query = '') => {
  const res = await h.api.get(`/v1/integrations/${integrationId}/rollout/report${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

describe('shadow runs beside the manual process', () => {
  it('never write to the target, and report exactly the seeded discrepancies', async () => {
    expect(erpCalls.upsert).toBe(0);
    expect(erpCalls.lookup).toBe(6);
    const body = await report();
    expect(body.writes).toEqual({
      intended: 6,
      pending: 0,
      compared: 6,
      matched: 3,
      discrepant: 3,
      unreadable: 0,
    });
    expect(body.matchRate).toBe(0.5);
    expect(body.discrepancies).toEqual({
      total: 3,
      open: 3,
      explained: 0,
      byKind: { missing: 1, extra: 1, field: 1 },
      byField: [{ field: '/total', total: 1, open: 1 }],
    });
    const found = body.examples
      .map((d: Record<string, unknown>) => [d.targetKey, d.kind, d.field, d.intended, d.actual])
      .sort();
    expect(found).toEqual([
      ['SO-F1', 'field', '/total', 12.5, 21.5],
      [
        'SO-M1',
        'missing',
        null,
        { number: 'SO-M1', customer: 'ADA LOVELACE', total: 12.5, status: 'open' },
        null,
      ],
      [
        'SO-X1',
        'extra',
        null,
        null,
        { number: 'SO-X1', customer: 'ADA LOVELACE', total: 12.5, status: 'test' },
      ],
    ]);
    const future = await report('?from=2099-01-01T00:00:00Z');
    expect(future.writes.intended).toBe(0);
    expect(future.matchRate).toBeNull();
  });

  it('gives every discrepancy as NDJSON and CSV, and refuses an empty window', async () => {
    const path = `/v1/integrations/${integrationId}/rollout/report`;
    const ndjson = await t.request(`${path}?format=ndjson`);
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind).sort()).toEqual(['extra', 'field', 'missing']);
    const csv = await t.request(`${path}?format=csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe(
      'id,integration,run,step,target_key,kind,field,intended,actual,explained_by,explained_at,explanation,created_at',
    );
    expect(rows).toHaveLength(4);
    expect(rows.find((r) => r.includes('SO-F1'))).toContain(',field,/total,12.5,21.5,');
    const empty = await h.api.get(`${path}?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`);
    expect(pointersOf(empty, 422)).toEqual(['/to']);
    expect(pointersOf(await h.api.get(`${path}?format=xml`), 422)).toEqual(['/format']);
    expect((await h.api.get('/v1/integrations/int_nope/rollout/report')).status).toBe(404);
  });

  it('separates explained discrepancies from open ones, audited, and counts both in /metrics', async () => {
    const [field] = (await report()).examples.filter((d: { kind: string }) => d.kind === 'field');
    const path = `/v1/rollout/discrepancies/${field.id}/explain`;
    expect(pointersOf(await h.api.post(path, {}), 422)).toEqual(['/reason']);
    const viewer = await h.token('viewer');
    expect((await h.api.as(viewer).post(path, { reason: 'x' })).status).toBe(403);
    expect(
      (await h.api.post('/v1/rollout/discrepancies/dsc_nope/explain', { reason: 'x' })).status,
    ).toBe(404);
    const reason = 'The clerk fixed SO-F1 in the ERP the next day.';
    const explained = await h.api.post(path, { reason });
    expect(explained.status, JSON.stringify(explained.body)).toBe(200);
    expect(explained.body.explained).toMatchObject({ by: 'token:admin-env', reason });
    expect((await h.api.post(path, { reason })).status).toBe(409);
    const body = await report();
    expect(body.discrepancies).toMatchObject({ total: 3, open: 2, explained: 1 });
    expect(body.discrepancies.byField).toEqual([{ field: '/total', total: 1, open: 0 }]);
    expect(body.examples.at(-1).id).toBe(field.id);
    const audits = await h.query(
      "select actor, data from audit_entries where action = 'rollout.discrepancy.explain' and subject_id = $1",
      [field.id],
    );
    expect(audits).toEqual([
      { actor: 'token:admin-env', data: expect.objectContaining({ kind: 'field', reason }) },
    ]);

    const metrics = await (await t.request('/metrics', { token: null })).text();
    const line = (name: string) =>
      metrics
        .split('\n')
        .find((l) => l.startsWith(name))
        ?.split(' ')
        .at(-1);
    expect(
      line(
        `junction_rollout_discrepancies{integration="${integrationId}",kind="field",state="explained"}`,
      ),
    ).toBe('1');
    expect(
      line(
        `junction_rollout_discrepancies{integration="${integrationId}",kind="missing",state="open"}`,
      ),
    ).toBe('1');
    expect(line(`junction_shadow_writes{integration="${integrationId}",outcome="match"}`)).toBe(
      '3',
    );
  });

  it('refuses a promotion past unmet criteria unless overridden with a reason, and audits the override', async () => {
    const path = `/v1/integrations/${integrationId}/rollout`;
    const read = await h.api.get(path);
    const etag = read.headers.get('etag') as string;
    expect(read.body.evidence[0]).toMatchObject({
      stage: 'shadow',
      runs: 6,
      shadow: { compared: 6, matched: 3, matchRate: 0.5 },
    });
    const bad = await h.api.put(
      `${path}/criteria`,
      { shadow: { minMatchRate: 2 } },
      { 'if-match': etag },
    );
    expect(pointersOf(bad, 422)).toEqual(['/shadow/minMatchRate']);
    expect((await h.api.put(`${path}/criteria`, { shadow: { minRuns: 3 } })).status).toBe(428);
    const set = await h.api.put(
      `${path}/criteria`,
      { shadow: { minRuns: 3, minMatchRate: 0.9 }, review: { minApprovalRate: 0.98 } },
      { 'if-match': etag },
    );
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.nextStage).toEqual({
      stage: 'review-all',
      checks: [
        { criterion: 'shadow.minRuns', required: 3, actual: 6, met: true },
        { criterion: 'shadow.minMatchRate', required: 0.9, actual: 0.5, met: false },
      ],
    });
    const m = { 'if-match': set.headers.get('etag') as string };
    const refused = await h.api.put(path, { stage: 'review-all' }, m);
    expect(refused.status).toBe(409);
    expect(refused.body.unmet).toEqual([
      { criterion: 'shadow.minMatchRate', required: 0.9, actual: 0.5, met: false },
    ]);
    // Straight to auto would go past the review criteria as well.
    const skip = await h.api.put(path, { stage: 'auto' }, m);
    expect(skip.body.unmet.map((c: { criterion: string }) => c.criterion)).toEqual([
      'shadow.minMatchRate',
      'review.minApprovalRate',
    ]);
    expect((await h.api.get(path)).body).toMatchObject({ stage: 'shadow', version: 1 });

    const reason = 'Mismatches are the manual process’s typos, checked one by one.';
    const promoted = await h.api.put(path, { stage: 'review-all', override: { reason } }, m);
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body).toMatchObject({ stage: 'review-all', version: 2 });
    const history = (await h.api.get(`${path}/history`)).body.data;
    expect(history[0].override).toEqual({ reason, unmet: ['shadow.minMatchRate'] });
    const [audit] = await h.query(
      `select data from audit_entries where integration_id = $1
       and action = 'integration.rollout.stage' order by id desc limit 1`,
      [integrationId],
    );
    expect(audit.data.override).toEqual({ reason, unmet: ['shadow.minMatchRate'] });
    // Going back needs no criteria.
    const back = await h.api.post(
      `${path}/rollback`,
      {},
      {
        'if-match': promoted.headers.get('etag') as string,
      },
    );
    expect(back.body).toMatchObject({ stage: 'shadow', version: 3 });
  });
});
