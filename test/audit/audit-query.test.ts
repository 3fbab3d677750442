import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../core/src/audit/index.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { auditRows, problemOf, waitUntilSealed } from './audit-support.js';

let junction: TestJunction;

interface Entry {
  id: string;
  seq: number | null;
  at: string;
  actor: string;
  action: string;
  subject: { type: string; id: string };
  data: Record<string, unknown> | null;
  bodyHash: string | null;
}

const day = 86_400_000;
const base = Date.parse('2024-03-01T00:00:00.000Z');

beforeAll(async () => {
  junction = await startTestJunction();
  const db = junction.junction.database.db;
  // 30 writes to customer 42 / 43 in the CRM, across two integrations, on 30 days.
  for (let n = 0; n < 30; n++) {
    await recordAudit(db, {
      actor: `integration:int_${n % 2}`,
      action: n % 3 === 0 ? 'record.create' : 'record.update',
      subjectType: 'crm.contact',
      subjectId: n % 5 === 0 ? '43' : '42',
      integrationId: `int_${n % 2}`,
      runId: `run_${n}`,
      at: new Date(base + n * day),
      data: { input: { email: `c${n}@example.com`, note: 'comma, "quote"\nline' }, output: { n } },
    });
  }
  await waitUntilSealed(junction);
});

afterAll(async () => {
  await junction?.close();
});

async function allPages(query: string, limit: number): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const response = await junction.request(
      `/v1/audit?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Entry[]; nextCursor: string | null };
    entries.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) return entries;
  }
  throw new Error('too many pages');
}

describe('audit queries', () => {
  it('finds everything that happened to one subject, across integrations, page by page', async () => {
    const entries = await allPages('subjectType=crm.contact&subjectId=42', 4);
    expect(entries).toHaveLength(24);
    expect(new Set(entries.map((e) => e.subject.id))).toEqual(new Set(['42']));
    const ids = entries.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(24);
    expect(entries.every((e) => e.seq !== null)).toBe(true);
  });

  it('filters by integration, run, actor, action prefix and time range together', async () => {
    const from = new Date(base + 10 * day).toISOString();
    const to = new Date(base + 20 * day).toISOString();
    const entries = await allPages(
      `integrationId=int_0&actor=integration:int_0&action=record.*&from=${from}&to=${to}`,
      50,
    );
    expect(entries.map((e) => e.at)).toEqual(
      [10, 12, 14, 16, 18].map((n) => new Date(base + n * day).toISOString()),
    );
    const run = await allPages('runId=run_7', 50);
    expect(run).toHaveLength(1);
    expect(run[0]?.data).toMatchObject({ output: { n: 7 } });
    const exact = await allPages('action=record.create&subjectType=crm.contact', 50);
    expect(exact).toHaveLength(10);
  });

  it('rejects bad parameters with a clear problem', async () => {
    const cursor = await junction.request('/v1/audit?cursor=nonsense');
    expect(cursor.status).toBe(400);
    expect((await problemOf(cursor)).errors[0].pointer).toBe('/cursor');
    const from = await junction.request('/v1/audit?from=yesterday');
    expect(from.status).toBe(422);
    expect((await problemOf(from)).errors[0]).toMatchObject({ in: 'query', pointer: '/from' });
    const subject = await junction.request('/v1/audit?subjectId=42');
    expect(subject.status).toBe(422);
    expect((await problemOf(subject)).detail).toBe('subjectId needs subjectType too.');
    const format = await junction.request('/v1/audit/export?format=xml');
    expect(format.status).toBe(422);
  });

  it('exports NDJSON streamed, matching the query entry for entry', async () => {
    const query = 'subjectType=crm.contact&subjectId=42&action=record.update';
    const listed = await allPages(query, 500);
    const response = await junction.request(`/v1/audit/export?format=ndjson&${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('content-length')).toBeNull();
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(listed);
  });

  it('exports CSV whose data cells hash to the body hash', async () => {
    const query = 'integrationId=int_1';
    const listed = await allPages(query, 500);
    const response = await junction.request(`/v1/audit/export?format=csv&${query}`);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(await response.text());
    const [header, ...data] = rows;
    expect(header?.slice(0, 5)).toEqual(['id', 'seq', 'at', 'actor', 'action']);
    expect(data.map((r) => r[0])).toEqual(listed.map((e) => e.id));
    const column = (name: string) => header?.indexOf(name) ?? -1;
    for (const row of data) {
      const text = row[column('data')] ?? '';
      expect(createHash('sha256').update(text).digest('hex')).toBe(row[column('body_hash')]);
    }
  });

  it('streams a large export without loading it whole, in several chunks', async () => {
    const db = junction.junction.database.db;
    await db.transaction().execute(async (trx) => {
      for (let n = 0; n < 1500; n++) {
        await recordAudit(trx, {
          actor: 'system',
          action: 'bulk.test',
          subjectType: 'bulk',
          subjectId: String(n),
          data: { payload: 'x'.repeat(200) },
        });
      }
    });
    const response = await junction.request('/v1/audit/export?action=bulk.test');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let chunks = 0;
    let lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks += 1;
      lines += new TextDecoder().decode(value).split('\n').length - 1;
    }
    expect(lines).toBe(1500);
    expect(chunks).toBeGreaterThan(10);
  });

  it('a viewer cannot read or export the trail; an operator reads but cannot export', async () => {
    const make = async (role: string) => {
      const response = await junction.request('/v1/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: role, role }),
      });
      return ((await response.json()) as { token: string }).token;
    };
    const viewer = await make('viewer');
    const operator = await make('operator');
    expect((await junction.request('/v1/audit', { token: viewer })).status).toBe(403);
    expect((await junction.request('/v1/audit/verify', { token: viewer })).status).toBe(403);
    expect((await junction.request('/v1/audit', { token: operator })).status).toBe(200);
    expect((await junction.request('/v1/audit/export', { token: operator })).status).toBe(403);
    const denied = (await auditRows(junction.database.url)).filter(
      (r) => r.action === 'access.denied',
    );
    expect(denied.map((r) => r.subject_id)).toEqual([
      'GET /v1/audit',
      'GET /v1/audit/verify',
      'GET /v1/audit/export',
    ]);
  });
});

/** RFC 4180 parsing, enough for the export. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}
