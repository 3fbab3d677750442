import { afterEach, describe, expect, it } from 'vitest';
import { defineConnector } from './define-connector.js';
import { InvalidInputError } from './errors.js';
import { field } from './field.js';
import { compareChangedAt, pollChangedSince } from './poll-changed-since.js';
import { createTestContext } from './testing/create-test-context.js';
import { runPollingTriggerForTest } from './testing/harness.js';
import { startTestServer, type TestServer } from './testing/start-test-server.js';
import { definePollingTrigger } from './trigger.js';
import { validateConnector } from './validate-connector.js';

interface Contact {
  readonly id: string;
  readonly email: string;
  readonly updated_at: string;
}

/**
 * A vendor API like many: `GET /contacts?updated_since=T&cursor=N` lists the contacts changed at
 * or after T (inclusive, in no particular order within a second), two per page.
 */
let contacts: Contact[] = [];
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function startApi(pageSize = 2) {
  server = await startTestServer((req) => {
    const since = req.query.updated_since;
    const matching = contacts.filter(
      (c) => since === undefined || Date.parse(c.updated_at) >= Date.parse(since),
    );
    const start = Number(req.query.cursor ?? 0);
    const data = matching.slice(start, start + pageSize);
    const next = start + pageSize < matching.length ? String(start + pageSize) : null;
    return { body: { data, next } };
  });
  return server;
}

const contactChanged = definePollingTrigger({
  key: 'contact-changed',
  name: 'Contact changed',
  description: 'New and changed contacts',
  output: { id: field.string(), email: field.string() },
  sample: { id: 'c_1', email: 'ann@example.com' },
  poll: pollChangedSince({
    async fetchPage(ctx, { since, page }) {
      const body = await ctx.http.get<{ data: Contact[]; next: string | null }>('/contacts', {
        query: {
          ...(since === null ? {} : { updated_since: String(since) }),
          ...(page === null ? {} : { cursor: page }),
        },
      });
      return { records: body.data, nextPage: body.next };
    },
    key: (c) => c.id,
    updatedAt: (c) => c.updated_at,
    data: (c) => ({ id: c.id, email: c.email }),
    maxPages: 2,
  }),
});

function context(url: string) {
  return createTestContext({ auth: { kind: 'none' }, baseUrl: url });
}

describe('pollChangedSince', () => {
  it('delivers every change once: ties at the cursor, pages across polls, later changes', async () => {
    contacts = [
      { id: 'a', email: 'a@x.test', updated_at: '2024-05-01T10:00:00Z' },
      { id: 'b', email: 'b@x.test', updated_at: '2024-05-01T10:00:01Z' },
      { id: 'c', email: 'c@x.test', updated_at: '2024-05-01T10:00:01Z' },
      { id: 'd', email: 'd@x.test', updated_at: '2024-05-01T10:00:02Z' },
      { id: 'e', email: 'e@x.test', updated_at: '2024-05-01T10:00:02Z' },
      { id: 'f', email: 'f@x.test', updated_at: '2024-05-01T10:00:03Z' },
    ];
    const api = await startApi();
    const ctx = context(api.url);
    // Two pages a poll: the first poll stops mid-listing and keeps its page cursor.
    const first = await runPollingTriggerForTest(contactChanged, ctx, { polls: 1 });
    expect(first.events.map((e) => e.dedupeKey)).toEqual([
      'a@2024-05-01T10:00:00Z',
      'b@2024-05-01T10:00:01Z',
      'c@2024-05-01T10:00:01Z',
      'd@2024-05-01T10:00:02Z',
    ]);
    expect(JSON.parse(first.cursors[0] ?? '')).toMatchObject({ since: null, page: '4' });
    const second = await runPollingTriggerForTest(contactChanged, ctx, {
      polls: 1,
      cursor: first.cursors[0] ?? null,
    });
    expect(second.events.map((e) => e.data)).toEqual([
      { id: 'e', email: 'e@x.test' },
      { id: 'f', email: 'f@x.test' },
    ]);
    const cursor = JSON.parse(second.cursors[0] ?? '');
    expect(cursor).toMatchObject({ since: '2024-05-01T10:00:03Z', ties: ['f'], page: null });

    // Nothing new: the API lists f again (changed at the cursor), which is left out.
    const idle = await runPollingTriggerForTest(contactChanged, ctx, {
      polls: 1,
      cursor: second.cursors[0] ?? null,
    });
    expect(idle.events).toEqual([]);
    expect(idle.cursors[0]).toBe(second.cursors[0]);

    // g shares f's second (a tie that arrived late), f changes again, e is untouched.
    contacts.push({ id: 'g', email: 'g@x.test', updated_at: '2024-05-01T10:00:03Z' });
    contacts[5] = { id: 'f', email: 'f2@x.test', updated_at: '2024-05-01T10:00:09Z' };
    const later = await runPollingTriggerForTest(contactChanged, ctx, {
      polls: 2,
      cursor: second.cursors[0] ?? null,
    });
    expect(later.events.map((e) => e.dedupeKey)).toEqual([
      'f@2024-05-01T10:00:09Z',
      'g@2024-05-01T10:00:03Z',
    ]);
    expect(JSON.parse(later.cursors[1] ?? '')).toMatchObject({
      since: '2024-05-01T10:00:09Z',
      ties: ['f'],
    });
    // The API was always asked from the cursor, inclusive, and paged with its own cursor.
    expect(api.requests.map((r) => r.query)).toContainEqual({
      updated_since: '2024-05-01T10:00:03Z',
    });
    expect(api.requests.map((r) => r.query)).toContainEqual({ cursor: '4' });
  });

  it('keeps the cursor when a page fails, so the next poll reads the listing again', async () => {
    contacts = [{ id: 'a', email: 'a@x.test', updated_at: '2024-05-01T10:00:00Z' }];
    let fail = true;
    server = await startTestServer(() =>
      fail ? { status: 503, body: { error: 'down' } } : { body: { data: contacts, next: null } },
    );
    const ctx = createTestContext({
      auth: { kind: 'none' },
      baseUrl: server.url,
      http: { retries: 0 },
    });
    await expect(contactChanged.poll(ctx, null)).rejects.toThrow();
    fail = false;
    const { items } = await contactChanged.poll(ctx, null);
    expect(items.map((i) => i.dedupeKey)).toEqual(['a@2024-05-01T10:00:00Z']);
  });

  it('refuses a cursor it did not write, with a pointer', async () => {
    const ctx = context('http://127.0.0.1:9');
    const error = await contactChanged.poll(ctx, '{"table":"x"}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual([
      { pointer: '/cursor', message: 'is not a cursor this trigger wrote' },
    ]);
  });

  it('holds back changes newer than lagSeconds', async () => {
    const now = new Date();
    const records = [
      { id: 'old', at: new Date(now.getTime() - 60_000).toISOString() },
      { id: 'new', at: now.toISOString() },
    ];
    const poll = pollChangedSince({
      fetchPage: async () => ({ records }),
      key: (r) => r.id,
      updatedAt: (r) => r.at,
      lagSeconds: 30,
    });
    const { items } = await poll(context('http://127.0.0.1:9'), null);
    expect(items.map((i) => i.data.id)).toEqual(['old']);
  });

  it('compares change times as instants, then by their sub-millisecond digits', () => {
    expect(compareChangedAt('2024-05-01T10:00:00Z', '2024-05-01T12:00:00+02:00')).toBe(0);
    expect(compareChangedAt('2024-05-01T10:00:00.1234Z', '2024-05-01T10:00:00.1235Z')).toBeLessThan(
      0,
    );
    expect(compareChangedAt('2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.500000Z')).toBe(0);
    expect(compareChangedAt(10, 9)).toBeGreaterThan(0);
    expect(compareChangedAt('seq-2', 'seq-10')).toBeGreaterThan(0);
  });

  it('makes a trigger validateConnector accepts', () => {
    const connector = defineConnector({
      id: 'contacts',
      name: 'Contacts',
      description: 'd',
      version: '1.0.0',
      contract: '^1.4.0',
      auth: { kind: 'none' },
      triggers: [contactChanged],
    });
    expect(validateConnector(connector)).toEqual([]);
  });
});
