import { describe, expect, it } from 'vitest';
import { field } from '../field.js';
import { defineRecordType } from '../record-type.js';
import { checkRecordType } from './check-record-type.js';
import { createTestContext } from './create-test-context.js';

type Note = { id: string; title: string; version: number };

/** An in-memory record type; `faults` breaks it the ways a connector can get wrong. */
function notes(
  faults: {
    repeatOnPage?: boolean;
    forgetUpdate?: boolean;
    badField?: boolean;
    countDeleted?: boolean;
    findKeepsDeleted?: boolean;
  } = {},
) {
  const store = new Map<string, Note>();
  let next = 1;
  let deleted = 0;
  const gone = new Map<string, Note>();
  const sorted = () => [...store.values()].sort((a, b) => a.id.localeCompare(b.id));
  return defineRecordType({
    name: 'note',
    fields: { id: field.string(), title: field.string(), version: field.integer() },
    key: 'id',
    updatedAt: 'version',
    async list(_ctx, { cursor, limit }) {
      const after = sorted().filter((n) => cursor === undefined || n.id > cursor);
      const records = after.slice(0, limit);
      const last = records.at(-1);
      // A page that ends one record early repeats that record on the next page.
      const nextCursor = faults.repeatOnPage && records.length > 1 ? records.at(-2)?.id : last?.id;
      return after.length > limit && nextCursor !== undefined
        ? { records, next: nextCursor }
        : { records };
    },
    async get(_ctx, key) {
      const n = store.get(key);
      return n && (faults.badField ? ({ ...n, version: 'one' } as unknown as Note) : { ...n });
    },
    async create(_ctx, record) {
      const n = {
        id: `n${String(next++).padStart(4, '0')}`,
        title: record.title ?? '',
        version: 1,
      };
      store.set(n.id, n);
      return { ...n };
    },
    async update(_ctx, record) {
      const n = store.get(record.id ?? '');
      if (!n) return undefined;
      const changed = { ...n, ...(faults.forgetUpdate ? {} : record), version: n.version + 1 };
      store.set(n.id, changed);
      return { ...changed };
    },
    async delete(_ctx, key) {
      const note = store.get(key);
      if (note === undefined) return false;
      store.delete(key);
      gone.set(key, note);
      deleted += 1;
      return true;
    },
    // A search index that forgets deletes is one the check must catch.
    async find(_ctx, { field: name, values }) {
      const all = faults.findKeepsDeleted
        ? [...store.values(), ...gone.values()]
        : [...store.values()];
      return all
        .filter((n) => values.includes(String(n[name as keyof Note])))
        .map((n) => ({ ...n }));
    },
    // A count that forgets deletes (a cached total) is one the check must catch.
    async count() {
      return store.size + (faults.countDeleted ? deleted : 0);
    },
  });
}

const options = {
  samples: [{ title: 'a' }, { title: 'b' }, { title: 'c' }, { title: 'd' }, { title: 'e' }],
  change: (n: Note) => ({ id: n.id, title: `${n.title}!` }),
};

describe('checkRecordType', () => {
  it('reports records whose fields do not match the declaration', async () => {
    const bad = {
      ...notes(),
      fields: { id: field.string(), title: field.integer(), version: field.integer() },
    };
    // A plain JavaScript plugin has no compiler to refuse this mismatch: the check must find it.
    // @ts-expect-error the records' title is text where the declaration says integer
    const report = await checkRecordType(bad, createTestContext(), options);
    expect(report.problems).toContain('create: the record n0001 /title must be integer');
    expect(report.problems).toContain('list: the record n0001 /title must be integer');
  });

  it('finds nothing wrong with a record type that keeps its declaration', async () => {
    const report = await checkRecordType(notes(), createTestContext(), options);
    expect(report.problems).toEqual([]);
    expect(report.checked).toEqual(['create', 'get', 'find', 'list', 'count', 'update', 'delete']);
    expect(report.created).toBe(5);
    expect(report.pages).toBeGreaterThan(2);
  });

  it('reports a list whose pages repeat a record', async () => {
    const report = await checkRecordType(
      notes({ repeatOnPage: true }),
      createTestContext(),
      options,
    );
    expect(report.problems).toContain('list: n0002 is listed twice');
  });

  it('reports an update that is not stored', async () => {
    const report = await checkRecordType(
      notes({ forgetUpdate: true }),
      createTestContext(),
      options,
    );
    expect(
      report.problems.some((p) => p.startsWith('update: ') && p.includes('lacks the change')),
    ).toBe(true);
  });

  it('reports a record read back differently from how it was created', async () => {
    const report = await checkRecordType(notes({ badField: true }), createTestContext(), options);
    expect(report.problems.some((p) => p.startsWith('get: ') && p.includes('/version'))).toBe(
      false,
    );
    expect(report.problems.some((p) => p.startsWith('get: n0001 reads'))).toBe(true);
  });

  it('reports a find that still finds deleted records', async () => {
    const report = await checkRecordType(
      notes({ findKeepsDeleted: true }),
      createTestContext(),
      options,
    );
    expect(report.problems).toEqual(['find after delete: n0001 is still found']);
  });

  it('reports a count that differs from what list reads', async () => {
    const report = await checkRecordType(
      notes({ countDeleted: true }),
      createTestContext(),
      options,
    );
    expect(report.problems).toEqual(['count after delete: 5 records, where list reads 4']);
  });

  it('creates one of a batch asking only for the key and updated-at field, and reports a wrong answer', async () => {
    const asked: unknown[] = [];
    const batched = (wrong: boolean) => {
      const type = notes();
      return defineRecordType({
        ...type,
        key: 'id',
        updatedAt: 'version',
        async createMany(ctx, records, options) {
          asked.push(options?.fields);
          const out: Note[] = [];
          for (const record of records) {
            const n = await type.create!(ctx, record);
            // A narrow answer holds what was asked; a wrong one a version that was never stored.
            out.push(options?.fields ? ({ id: n.id, version: wrong ? 0 : n.version } as Note) : n);
          }
          return out;
        },
      });
    };
    const report = await checkRecordType(batched(false), createTestContext(), options);
    expect(report.problems).toEqual([]);
    expect(report.checked).toContain('createMany');
    expect(report.created).toBe(5);
    expect(asked).toEqual([['id', 'version'], undefined]);
    const wrong = await checkRecordType(batched(true), createTestContext(), options);
    expect(wrong.problems).toEqual([
      'createMany (fields id, version): version answered 0, stored 1',
    ]);
  });
});
