import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { ledger, ledgerConnector, notes } from '../fixtures/connectors/ledger.js';
import { apiOf, pointersOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let gated: { id: string; hook: string };
let reviewed: { id: string; hook: string };
let reviewerA: { id: string; token: string };
let reviewerB: { id: string; token: string };
let operator: { id: string; token: string };

beforeAll(async () => {
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100', JUNCTION_WAIT_SWEEP_MS: '100' },
    { connectors: createStaticConnectorSource([ledgerConnector]) },
  );
  api = apiOf(t);
  const write = {
    kind: 'action',
    key: 'write',
    connector: 'test-ledger',
    action: 'write-invoice',
    mapping: {
      number: { var: 'event.number' },
      supplier: { var: 'event.supplier' },
      amount: { var: 'event.amount' },
    },
  };
  const trigger = { connector: 'test-ledger', trigger: 'invoice-received' };
  gated = await createEnabledIntegration(api, {
    name: 'Gated invoices',
    trigger,
    routes: [
      {
        key: 'all',
        steps: [
          {
            ...write,
            gate: {
              review: {
                or: [
                  { '<': [{ var: 'event.confidence' }, 0.8] },
                  { '>': [{ var: 'event.amount' }, 10000] },
                ],
              },
              confidence: { var: 'event.confidence' },
            },
          },
        ],
      },
    ],
  });
  reviewed = await createEnabledIntegration(api, {
    name: 'Every invoice reviewed',
    trigger,
    review: { slaSeconds: 1 },
    routes: [
      {
        key: 'all',
        steps: [{ kind: 'review', key: 'check', confidence: { var: 'event.confidence' } }, write],
      },
    ],
  });
  await createEnabledIntegration(api, {
    name: 'Escalations to chat',
    trigger: { connector: 'junction', trigger: 'review-escalated' },
    routes: [
      {
        key: 'all',
        steps: [
          {
            kind: 'action',
            key: 'chat',
            connector: 'test-ledger',
            action: 'note',
            mapping: {
              text: { cat: ['Review waiting: ', { var: 'event.step' }] },
              data: {
                object: [
                  ['review', { var: 'event.reviewId' }],
                  ['integration', { var: 'event.integrationId' }],
                ],
              },
            },
          },
        ],
      },
    ],
  });
  reviewerA = await token('reviewer', [gated.id]);
  reviewerB = await token('reviewer', [gated.id, reviewed.id]);
  operator = await token('operator');
});
afterAll(async () => {
  await t?.close();
});

async function token(role: string, integrations?: string[]) {
  const made = await api.post('/v1/tokens', {
    name: `${role} ${integrations?.length ?? 'all'}`,
    role,
    integrations,
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { id: made.body.id as string, token: made.body.token as string };
}

const query = async (text: string, values: unknown[] = []) =>
  (await t.junction.database.pool.query(text, values)).rows;

let n = 0;
/** Sends an invoice; resolves with its run once it waits for review or has finished. */
async function invoice(target: { hook: string }, fields: Record<string, unknown>) {
  const id = `e${++n}`;
  const res = await t.request(target.hook, {
    method: 'POST',
    token: null,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id,
      number: `INV-${n}`,
      supplier: 'Acme',
      amount: 100,
      confidence: 0.9,
      ...fields,
    }),
  });
  expect(res.status).toBe(202);
  return until(async () => {
    const [run] = await query(
      `select r.* from runs r join events e on e.id = r.event_id where e.dedupe_key = $1
         and r.state in ('waiting', 'succeeded', 'dead', 'cancelled')`,
      [id],
    );
    return run;
  });
}

async function reviewOf(runId: string) {
  const [row] = await query('select id from review_items where run_id = $1', [runId]);
  const res = await api.get(`/v1/reviews/${row.id}`);
  expect(res.status).toBe(200);
  return { ...res.body, etag: res.headers.get('etag') as string } as Item;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
type Item = Record<string, any>;

const settled = (runId: string) =>
  until(async () => {
    const [run] = await query('select * from runs where id = $1', [runId]);
    return ['succeeded', 'dead', 'cancelled'].includes(run.state) ? run : undefined;
  });

describe('confidence gating and the review queue', () => {
  it('routes by confidence: sure ones are written at once, unsure ones wait with a proposal and a diff', async () => {
    const sure = await invoice(gated, { number: 'INV-G1', confidence: 0.95 });
    expect(sure.state).toBe('succeeded');
    expect(ledger.get('INV-G1')).toEqual({ supplier: 'Acme', amount: 100 });

    ledger.set('INV-G2', { supplier: 'Acme', amount: 90 });
    const unsure = await invoice(gated, { number: 'INV-G2', amount: 120, confidence: 0.55 });
    expect(unsure).toMatchObject({ state: 'waiting', outcome: 'waiting for review' });
    expect(ledger.get('INV-G2')).toEqual({ supplier: 'Acme', amount: 90 });
    const item = await reviewOf(unsure.id);
    expect(item).toMatchObject({
      state: 'open',
      reason: 'gate',
      confidence: 0.55,
      step: 'write',
      proposal: { number: 'INV-G2', supplier: 'Acme', amount: 120 },
      current: { number: 'INV-G2', supplier: 'Acme', amount: 90 },
      diff: [{ pointer: '/amount', current: 90, proposed: 120 }],
      sla: { state: 'none' },
    });
    expect(item.source.event).toMatchObject({ number: 'INV-G2', confidence: 0.55 });

    // A large amount goes to review whatever the confidence.
    const large = await invoice(gated, { number: 'INV-G3', amount: 25_000, confidence: 0.99 });
    expect(large.state).toBe('waiting');

    const approved = await api.as(reviewerA.token).post(`/v1/reviews/${item.id}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({
      state: 'approved',
      decision: { by: `token:${reviewerA.id}` },
    });
    expect((await settled(unsure.id)).state).toBe('succeeded');
    expect(ledger.get('INV-G2')).toEqual({ supplier: 'Acme', amount: 120 });
    const [audit] = await query(
      `select actor, data from audit_entries where action = 'review.approve' and subject_id = $1`,
      [item.id],
    );
    expect(audit.actor).toBe(`token:${reviewerA.id}`);
    expect(audit.data).toMatchObject({
      outcome: 'approved',
      proposal: { amount: 120 },
      edit: null,
      confidence: 0.55,
    });
    // Decided once: a second decision is refused.
    expect((await api.as(reviewerA.token).post(`/v1/reviews/${item.id}/approve`, {})).status).toBe(
      409,
    );
  });

  it('refuses an edit that does not fit the action, changing nothing; a good edit is what gets written', async () => {
    const run = await invoice(gated, {
      number: 'INV-E1',
      supplier: 'Acne',
      amount: 40,
      confidence: 0.4,
    });
    const item = await reviewOf(run.id);
    const as = api.as(reviewerA.token);
    const bad = await t.request(`/v1/reviews/${item.id}`, {
      method: 'PATCH',
      token: reviewerA.token,
      headers: { 'content-type': 'application/json', 'if-match': item.etag },
      body: JSON.stringify({ input: { number: 'INV-E1', supplier: '', amount: -5, color: 'red' } }),
    });
    const problem = {
      status: bad.status,
      headers: bad.headers,
      body: (await bad.json()) as Record<string, unknown>,
    };
    expect(pointersOf(problem, 422)).toEqual(['/input/amount', '/input/color', '/input/supplier']);
    const unchanged = await reviewOf(run.id);
    expect(unchanged).toMatchObject({
      revision: item.revision,
      edited: false,
      proposal: item.proposal,
    });
    const [{ n: edits }] = await query(
      `select count(*)::int as n from audit_entries where action = 'review.edit' and subject_id = $1`,
      [item.id],
    );
    expect(edits).toBe(0);
    // Without If-Match: 428; with a stale one: 412.
    const noIfMatch = await t.request(`/v1/reviews/${item.id}`, {
      method: 'PATCH',
      token: reviewerA.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { number: 'INV-E1', supplier: 'Acme', amount: 40 } }),
    });
    expect(noIfMatch.status).toBe(428);

    const good = await t.request(`/v1/reviews/${item.id}`, {
      method: 'PATCH',
      token: reviewerA.token,
      headers: { 'content-type': 'application/json', 'if-match': item.etag },
      body: JSON.stringify({ input: { number: 'INV-E1', supplier: 'Acme', amount: 40 } }),
    });
    expect(good.status).toBe(200);
    const stale = await as.post(`/v1/reviews/${item.id}/approve`, {}, { 'if-match': item.etag });
    expect(stale.status).toBe(412);
    expect((await as.post(`/v1/reviews/${item.id}/approve`, {})).status).toBe(200);
    await settled(run.id);
    expect(ledger.get('INV-E1')).toEqual({ supplier: 'Acme', amount: 40 });
    const [audit] = await query(
      `select data from audit_entries where action = 'review.approve' and subject_id = $1`,
      [item.id],
    );
    expect(audit.data).toMatchObject({
      outcome: 'approved with an edit',
      edit: { supplier: 'Acme' },
      proposal: { supplier: 'Acne' },
    });
  });

  it('rejects with a reason: the run stops and nothing is written', async () => {
    const run = await invoice(gated, { number: 'INV-R1', confidence: 0.3 });
    const item = await reviewOf(run.id);
    const noReason = await api.as(reviewerA.token).post(`/v1/reviews/${item.id}/reject`, {});
    expect(pointersOf(noReason, 422)).toEqual(['/reason']);
    const rejected = await api
      .as(reviewerA.token)
      .post(`/v1/reviews/${item.id}/reject`, { reason: 'Not our supplier.' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.decision).toMatchObject({ reason: 'Not our supplier.' });
    const done = await settled(run.id);
    expect(done).toMatchObject({
      state: 'cancelled',
      outcome: 'rejected in review: Not our supplier.',
    });
    expect(ledger.has('INV-R1')).toBe(false);
  });

  it('claims expire; operators reassign; bulk approval approves what it may and says why not for the rest', async () => {
    const runs = [
      await invoice(gated, { number: 'INV-B1', confidence: 0.5 }),
      await invoice(gated, { number: 'INV-B2', confidence: 0.5 }),
      await invoice(gated, { number: 'INV-B3', confidence: 0.5 }),
    ];
    const items = await Promise.all(runs.map((r) => reviewOf(r.id)));
    const [one, two, three] = items as [Item, Item, Item];
    const claim = await api
      .as(reviewerB.token)
      .post(`/v1/reviews/${three.id}/claim`, { seconds: 1 });
    expect(claim.body).toMatchObject({ assignee: reviewerB.id });
    const mine = await api.as(reviewerB.token).get('/v1/reviews?assignee=me');
    expect(mine.body.data.map((i: { id: string }) => i.id)).toEqual([three.id]);
    const blocked = await api.as(reviewerA.token).post(`/v1/reviews/${three.id}/approve`, {});
    expect(blocked.status).toBe(409);
    expect(blocked.body.detail).toContain(`claimed by ${reviewerB.id}`);

    const bulk = await api
      .as(reviewerA.token)
      .post('/v1/reviews/approve', { ids: [one.id, two.id, three.id, 'wt_nope'] });
    expect(bulk.status).toBe(200);
    expect(bulk.body.approved.sort()).toEqual([one.id, two.id].sort());
    expect(bulk.body.refused).toEqual([
      { id: three.id, status: 409, detail: expect.stringContaining('claimed by') },
      { id: 'wt_nope', status: 404, detail: 'no such review item' },
    ]);
    await settled(runs[0]!.id);
    await settled(runs[1]!.id);
    expect(ledger.has('INV-B1') && ledger.has('INV-B2')).toBe(true);

    // The claim expires: then anyone allowed may take it.
    await until(async () => (await reviewOf(runs[2]!.id)).assignee === null);
    expect((await api.as(reviewerA.token).post(`/v1/reviews/${three.id}/claim`, {})).status).toBe(
      200,
    );
    // An operator gives it to reviewer B, who approves; a reviewer cannot reassign.
    expect(
      (
        await api
          .as(reviewerA.token)
          .post(`/v1/reviews/${three.id}/assign`, { assignee: reviewerA.id })
      ).status,
    ).toBe(403);
    const badAssignee = await api
      .as(operator.token)
      .post(`/v1/reviews/${three.id}/assign`, { assignee: operator.id });
    expect(pointersOf(badAssignee, 422)).toEqual(['/assignee']);
    const given = await api
      .as(operator.token)
      .post(`/v1/reviews/${three.id}/assign`, { assignee: reviewerB.id });
    expect(given.body).toMatchObject({ assignee: reviewerB.id });
    expect((await api.as(reviewerA.token).post(`/v1/reviews/${three.id}/approve`, {})).status).toBe(
      409,
    );
    expect((await api.as(reviewerB.token).post(`/v1/reviews/${three.id}/approve`, {})).status).toBe(
      200,
    );
    await settled(runs[2]!.id);
    const [{ n: assigns }] = await query(
      `select count(*)::int as n from audit_entries where action = 'review.assign' and subject_id = $1`,
      [three.id],
    );
    expect(assigns).toBe(1);
  });

  it('escalates items past their SLA as an event another integration routes', async () => {
    const run = await invoice(reviewed, { number: 'INV-S1', confidence: 0.9 });
    const item = await reviewOf(run.id);
    expect(item.reason).toBe('step');
    const note = await until(async () =>
      notes.find((x) => (x.data as { review: string }).review === item.id),
    );
    expect(note).toEqual({
      text: 'Review waiting: all/write',
      data: { review: item.id, integration: reviewed.id },
    });
    const escalated = await reviewOf(run.id);
    expect(escalated.sla).toMatchObject({ state: 'breached', escalatedAt: expect.any(String) });
    const breached = await api.get(`/v1/reviews?integration=${reviewed.id}&sla=breached`);
    expect(breached.body.data.map((i: { id: string }) => i.id)).toContain(item.id);
    // Escalated once.
    await new Promise((r) => setTimeout(r, 400));
    expect(notes.filter((x) => (x.data as { review: string }).review === item.id)).toHaveLength(1);
  });

  it('a reviewer token sees and decides its integrations only, and nothing else', async () => {
    const other = await invoice(reviewed, { number: 'INV-P1' });
    const otherItem = await reviewOf(other.id);
    const mine = await invoice(gated, { number: 'INV-P2', confidence: 0.2 });
    const as = api.as(reviewerA.token);
    const list = await as.get('/v1/reviews?state=all&limit=500');
    expect(list.status).toBe(200);
    expect(new Set(list.body.data.map((i: { integration: string }) => i.integration))).toEqual(
      new Set([gated.id]),
    );
    expect((await as.get(`/v1/reviews?integration=${reviewed.id}`)).status).toBe(403);
    expect((await as.get(`/v1/reviews/${otherItem.id}`)).status).toBe(404);
    expect((await as.post(`/v1/reviews/${otherItem.id}/approve`, {})).status).toBe(404);
    expect((await as.post(`/v1/reviews/${otherItem.id}/claim`, {})).status).toBe(404);
    expect((await as.get(`/v1/integrations/${reviewed.id}/review-stats`)).status).toBe(404);
    for (const path of [
      '/v1/runs',
      '/v1/integrations',
      `/v1/integrations/${gated.id}`,
      '/v1/connections',
      '/v1/audit',
      '/v1/tokens',
    ])
      expect((await as.get(path)).status, path).toBe(403);
    expect((await as.post(`/v1/runs/${mine.id}/cancel`)).status).toBe(403);
    const [{ n }] = await query(
      `select count(*)::int as n from review_items where id = $1 and state = 'open'`,
      [otherItem.id],
    );
    expect(n).toBe(1);
    // Only reviewer tokens take a scope, and only of integrations that exist.
    const scoped = await api.post('/v1/tokens', {
      name: 'x',
      role: 'editor',
      integrations: [gated.id, 'int_nope'],
    });
    expect(pointersOf(scoped, 422)).toEqual(['/integrations', '/integrations/1']);
    expect((await api.as(reviewerA.token).get('/v1/me')).body.integrations).toEqual([gated.id]);
  });

  it('records how reviewers decided by confidence band', async () => {
    const stats = await api.as(reviewerA.token).get(`/v1/integrations/${gated.id}/review-stats`);
    expect(stats.status).toBe(200);
    const band = (b: string) => stats.body.bands.find((x: { band: string }) => x.band === b);
    expect(band('0.5-0.6')).toMatchObject({ approved: 4 });
    expect(band('0.4-0.5')).toMatchObject({ edited: 1 });
    expect(band('0.3-0.4')).toMatchObject({ rejected: 1 });
    expect(band('0.9-1.0')).toMatchObject({ open: 1 });
    expect(band('0.2-0.3')).toMatchObject({ open: 1 });
  });
});
