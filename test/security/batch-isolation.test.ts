import { createHmac } from 'node:crypto';
import { createLogger } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventIngestor, type NewEvent } from '../../core/src/engine/event-ingestor.js';
import { apiOf } from '../support/api.js';
import { createIntegrationRows } from '../support/create-integration-rows.js';
import { useJunctionDatabase } from '../support/junction-database.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { unstorableBodies } from './mapping-attacks.js';

const SECRET = 'batch-isolation-webhook-secret';
let t: TestJunction;
let api: ReturnType<typeof apiOf>;
const hooks: { id: string; url: string }[] = [];

beforeAll(async () => {
  t = await startTestJunction({ JUNCTION_WORKER_CONCURRENCY: '1' });
  api = apiOf(t);
  const connection = await api.post('/v1/connections', {
    name: 'Signed senders',
    connector: 'http',
    credentials: { authKind: 'none', webhookSecret: SECRET },
  });
  expect(connection.status, JSON.stringify(connection.body)).toBe(201);
  for (const name of ['Orders', 'Invoices', 'Customers']) {
    const created = await api.post('/v1/integrations', {
      name,
      trigger: {
        connector: 'http',
        trigger: 'webhook-received',
        connection: connection.body.id,
        settings: {
          signatureScheme: 'hex',
          signatureHeader: 'x-signature',
          dedupeHeader: 'x-delivery-id',
        },
        recordKey: 'body.id',
      },
      routes: [{ key: 'all', steps: [{ kind: 'filter', key: 'any', when: true }] }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const enabled = await api.post(`/v1/integrations/${created.body.id}/enable`, undefined, {
      'if-match': created.headers.get('etag') ?? '',
    });
    hooks.push({ id: created.body.id, url: `${t.url}${enabled.body.webhookPath}` });
  }
}, 60_000);
afterAll(() => t?.close());

/** A validly signed delivery of `raw` (JSON text) to `url`. */
async function deliver(url: string, delivery: string, raw: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-delivery-id': delivery,
      'x-signature': createHmac('sha256', SECRET).update(raw).digest('hex'),
    },
    body: raw,
  });
  return { delivery, status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('one event PostgreSQL cannot store never fails its neighbours', () => {
  it('answers 202 to every valid delivery of a mixed concurrent batch and stores each; refuses each bad one alone with 422', async () => {
    const valid = hooks.flatMap((hook, h) =>
      Array.from({ length: 15 }, (_, i) => ({
        url: hook.url,
        delivery: `ok-${h}-${i}`,
        raw: JSON.stringify({ id: `rec-${h}-${i}`, note: 'naïve café ✓ 😀' }),
      })),
    );
    const bad = hooks.flatMap((hook, h) =>
      unstorableBodies.map((b, i) => ({
        url: hook.url,
        delivery: `bad-${h}-${i}`,
        raw: b.body,
        b,
      })),
    );
    // Interleaved and sent at once, so that group commit puts good and bad events in one batch.
    const all = [...valid, ...bad].sort((a, b) => a.delivery.localeCompare(b.delivery));
    const answers = await Promise.all(all.map((d) => deliver(d.url, d.delivery, d.raw)));
    const byDelivery = new Map(answers.map((a) => [a.delivery, a]));
    for (const d of valid) expect(byDelivery.get(d.delivery)?.status, d.delivery).toBe(202);
    for (const d of bad) {
      const answer = byDelivery.get(d.delivery);
      expect(answer?.status, `${d.b.name}: ${JSON.stringify(answer?.body)}`).toBe(422);
      const errors = (answer?.body.errors ?? []) as { pointer: string }[];
      expect(errors[0]?.pointer).toBe(d.b.pointer);
    }
    const { rows } = await t.junction.database.pool.query<{ dedupe_key: string }>(
      'select dedupe_key from events order by dedupe_key',
    );
    expect(rows.map((r) => r.dedupe_key)).toEqual(valid.map((d) => d.delivery).sort());
  });
});

describe('the ingestor, should an unstorable event reach it', () => {
  const database = useJunctionDatabase(3);

  it('stores the other callers of the batch and refuses only that caller', async () => {
    const { pool } = database();
    await createIntegrationRows(pool, 'int_isolation');
    const ingestor = createEventIngestor({
      pool,
      logger: createLogger('silent'),
      jobInsert: 'direct',
    });
    const event = (key: string, data: unknown): NewEvent[] => [
      { integrationId: 'int_isolation', dedupeKey: key, sourceRecord: null, data },
    ];
    try {
      // Called in one turn of the event loop: one batch, one statement.
      const calls = [
        ingestor.ingest(event('good-1', { n: 1 })),
        ingestor.ingest(event('nul', { note: 'a\u0000b' })),
        ingestor.ingest(event('good-2', { n: 2 })),
        ingestor.ingest(event('surrogate', { note: '\ud800' })),
        ingestor.ingest(event('good-3', { n: 3 })),
      ];
      const settled = await Promise.allSettled(calls);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      for (const s of settled) {
        if (s.status === 'fulfilled') expect(s.value[0]?.kind).toBe('accepted');
        else expect(String((s.reason as { code?: string }).code)).toMatch(/^22/);
      }
    } finally {
      await ingestor.close();
    }
    const { rows } = await pool.query<{ dedupe_key: string }>(
      'select dedupe_key from events order by dedupe_key',
    );
    expect(rows.map((r) => r.dedupe_key)).toEqual(['good-1', 'good-2', 'good-3']);
  });
});
