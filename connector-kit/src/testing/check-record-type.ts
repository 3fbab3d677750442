import { isDeepStrictEqual } from 'node:util';
import type { FieldSet, InferFields } from '../field.js';
import type { RecordTypeDefinition } from '../record-type.js';
import type { RunContext } from '../run-context.js';
import { validateFields } from '../validate-fields.js';

/**
 * What {@link checkRecordType} writes: records to create (at least two) and, for updates, the
 * change to make to a created record (its key included).
 *
 * @example
 * ```ts
 * const options: RecordTypeCheckOptions<{ id: string; name: string }> = {
 *   samples: [{ name: 'Ann' }, { name: 'Bo' }, { name: 'Cy' }],
 *   change: (r) => ({ id: r.id, name: `${r.name}!` }),
 * };
 * ```
 */
export interface RecordTypeCheckOptions<R> {
  readonly samples: readonly Partial<R>[];
  readonly change: (record: R) => Partial<R>;
  /** Records per `list` page while checking (small, so that several pages are read). Default 2. */
  readonly pageSize?: number;
  /** Pages read at most before the check gives up on a `list` that never ends. Default 1000. */
  readonly maxPages?: number;
}

/**
 * What {@link checkRecordType} found: every way the record type differs from its declaration
 * (empty when none) and what it did.
 *
 * @example
 * ```ts
 * expect(report.problems).toEqual([]);
 * ```
 */
export interface RecordTypeCheckReport {
  readonly problems: readonly string[];
  /** The capabilities exercised, in order. */
  readonly checked: readonly string[];
  readonly created: number;
  readonly pages: number;
  readonly listed: number;
}

/** Whether every value `expected` gives is found in `actual` (objects compared key by key). */
function contains(actual: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) =>
      contains((actual as Record<string, unknown>)[k], v),
    );
  }
  return isDeepStrictEqual(actual, expected);
}

/**
 * Runs a record type against its own declaration, on a real system (a scratch table, a sandbox
 * account): creates the samples (`create` and `createMany`), reads each back (`get`), lists every
 * page from the start (`list`: no record missing, none twice, the cursor moving on), updates
 * (`update`, `updateMany`: the change is stored and `updatedAt` does not go back), deletes
 * (`delete`, `deleteMany`: gone from `get` and `list`, a second delete finds nothing), counts
 * (`count`: as many as `list` reads, after the creates and after the deletes), finds (`find` by
 * the key field: every created record, as `get` reads it, and no deleted one), and checks
 * every record it is given against the declared fields. Capabilities the record type does not
 * offer are left out. It writes and deletes records: point it at a place made for tests.
 *
 * @example
 * ```ts
 * const report = await checkRecordType(connector.recordTypes![0]!, ctx, {
 *   samples: [{ values: { name: 'Ann' } }, { values: { name: 'Bo' } }, { values: { name: 'Cy' } }],
 *   change: (r) => ({ key: r.key, values: { name: 'Dee' } }),
 * });
 * expect(report.problems).toEqual([]);
 * ```
 */
export async function checkRecordType<F extends FieldSet>(
  recordType: RecordTypeDefinition<F>,
  ctx: RunContext,
  options: RecordTypeCheckOptions<InferFields<F>>,
): Promise<RecordTypeCheckReport> {
  type R = InferFields<F>;
  const problems: string[] = [];
  const checked: string[] = [];
  const rt = recordType;
  const keyOf = (record: R) => String((record as Record<string, unknown>)[rt.key]);
  const fits = (step: string, record: unknown) => {
    if (record === null || typeof record !== 'object') {
      problems.push(`${step}: answered ${JSON.stringify(record)}, not a record`);
      return false;
    }
    for (const p of validateFields(rt.fields, record).problems)
      problems.push(`${step}: the record ${keyOf(record as R)} ${p.pointer} ${p.message}`);
    if ((record as Record<string, unknown>)[rt.key] === undefined)
      problems.push(`${step}: the record has no key "${rt.key}"`);
    return true;
  };
  if (!(rt.key in rt.fields)) problems.push(`declaration: key "${rt.key}" is not a field`);
  if (rt.updatedAt !== undefined && !(rt.updatedAt in rt.fields))
    problems.push(`declaration: updatedAt "${rt.updatedAt}" is not a field`);
  if (options.samples.length < 2) problems.push('options: give at least two samples');

  // Create: the first sample one by one, the rest as a batch (or each one way when only one exists).
  const created: R[] = [];
  const note = (step: string, sample: Partial<R>, record: R) => {
    if (!fits(step, record)) return;
    if (!contains(record, sample))
      problems.push(
        `${step}: the stored record ${JSON.stringify(record)} lacks ${JSON.stringify(sample)}`,
      );
    created.push(record);
  };
  const [first, ...rest] = options.samples;
  if (rt.create && first !== undefined) {
    checked.push('create');
    note('create', first, await rt.create(ctx, first));
  }
  const batch = rt.create && rt.createMany ? rest : rt.createMany ? options.samples : [];
  if (rt.createMany && batch.length > 0) {
    checked.push('createMany');
    // With two or more to create and `get` to read them back, the first is created asking only
    // for the key and updated-at field back (contract 1.15): the answer must hold them as stored.
    const narrow = rt.get && batch.length >= 2 ? batch.slice(0, 1) : [];
    if (rt.get && narrow.length > 0) {
      const fields = [rt.key, ...(rt.updatedAt === undefined ? [] : [rt.updatedAt])];
      const step = `createMany (fields ${fields.join(', ')})`;
      const answered = await rt.createMany(ctx, narrow, { fields });
      const answer = answered[0] as Record<string, unknown> | undefined;
      const key = answer?.[rt.key];
      if (answered.length !== 1 || key === undefined || key === null) {
        problems.push(`${step}: answered ${JSON.stringify(answered)}, not one record with its key`);
      } else {
        const stored = await rt.get(ctx, String(key));
        if (stored === undefined) problems.push(`${step}: ${String(key)} is not there`);
        else {
          for (const name of fields) {
            const value = (stored as Record<string, unknown>)[name];
            if (!isDeepStrictEqual(answer?.[name], value))
              problems.push(
                `${step}: ${name} answered ${JSON.stringify(answer?.[name])}, stored ${JSON.stringify(value)}`,
              );
          }
          note('createMany', narrow[0]!, stored);
        }
      }
    }
    const whole = batch.slice(narrow.length);
    const records = await rt.createMany(ctx, whole);
    if (records.length !== whole.length)
      problems.push(`createMany: ${whole.length} records given, ${records.length} answered`);
    for (const [i, record] of records.entries()) note('createMany', whole[i]!, record);
  } else if (rt.create) {
    for (const sample of rest) note('create', sample, await rt.create(ctx, sample));
  }
  const keys = created.map(keyOf);
  if (new Set(keys).size !== keys.length) problems.push(`create: keys repeat: ${keys.join(', ')}`);

  // Get: each created record reads back as it was answered.
  const current = new Map<string, R>(created.map((r) => [keyOf(r), r]));
  if (rt.get) {
    checked.push('get');
    for (const record of created) {
      const read = await rt.get(ctx, keyOf(record));
      if (!isDeepStrictEqual(read, record))
        problems.push(
          `get: ${keyOf(record)} reads ${JSON.stringify(read)}, was ${JSON.stringify(record)}`,
        );
    }
  }

  // Find: by the key field, every created record (one call for all of them), as `get` reads it.
  const findByKey = async (step: string, wanted: readonly string[]) => {
    const found = new Map<string, R>();
    if (!rt.find) return found;
    for (const record of await rt.find(ctx, { field: rt.key, values: wanted })) {
      if (!fits(step, record)) continue;
      const key = keyOf(record);
      if (!wanted.includes(key)) problems.push(`${step}: ${key} was not asked for`);
      if (found.has(key)) problems.push(`${step}: ${key} is found twice`);
      found.set(key, record);
    }
    return found;
  };
  if (rt.find) {
    checked.push('find');
    const found = await findByKey('find', keys);
    for (const record of created) {
      const key = keyOf(record);
      if (!found.has(key)) problems.push(`find: ${key} is not found by its ${rt.key}`);
      else if (rt.get && !isDeepStrictEqual(found.get(key), current.get(key)))
        problems.push(
          `find: ${key} reads ${JSON.stringify(found.get(key))}, was ${JSON.stringify(current.get(key))}`,
        );
    }
  }

  // List: every page from the start; each created record exactly once, the cursor moving on.
  let pages = 0;
  let listed = 0;
  const listAll = async (step: string) => {
    const seen = new Map<string, R>();
    if (!rt.list) return seen;
    const limit = options.pageSize ?? 2;
    const cursors = new Set<string>();
    let cursor: string | undefined;
    for (let n = 0; n < (options.maxPages ?? 1000); n++) {
      const page = await rt.list(ctx, cursor === undefined ? { limit } : { cursor, limit });
      pages += 1;
      if (page.records.length > limit)
        problems.push(`${step}: a page of ${limit} has ${page.records.length} records`);
      for (const record of page.records) {
        if (!fits(step, record)) continue;
        const key = keyOf(record);
        if (seen.has(key)) problems.push(`${step}: ${key} is listed twice`);
        seen.set(key, record);
        listed += 1;
      }
      if (page.next === undefined) return seen;
      if (cursors.has(page.next)) {
        problems.push(`${step}: the cursor ${page.next} came back: the list goes round`);
        return seen;
      }
      cursors.add(page.next);
      cursor = page.next;
    }
    problems.push(`${step}: still more pages after ${options.maxPages ?? 1000}`);
    return seen;
  };
  // Count: a whole number; with list, the number of records the pages held.
  const counted = async (step: string, listedNow: number | undefined) => {
    if (!rt.count) return;
    const n = await rt.count(ctx);
    if (!Number.isSafeInteger(n) || n < 0)
      problems.push(`${step}: answered ${JSON.stringify(n)}, not a number of records`);
    else if (listedNow !== undefined && n !== listedNow)
      problems.push(`${step}: ${n} records, where list reads ${listedNow}`);
  };
  if (rt.list) {
    checked.push('list');
    const seen = await listAll('list');
    if (rt.count) checked.push('count');
    await counted('count', seen.size);
    for (const [key, record] of current) {
      const listedRecord = seen.get(key);
      if (listedRecord === undefined) problems.push(`list: ${key} is missing from the pages`);
      else if (!isDeepStrictEqual(listedRecord, record))
        problems.push(
          `list: ${key} is listed as ${JSON.stringify(listedRecord)}, not ${JSON.stringify(record)}`,
        );
    }
  }

  // Update: the change is stored, the key stays, updatedAt does not go back.
  const updated = (step: string, before: R, change: Partial<R>, after: R | undefined) => {
    if (after === undefined) {
      problems.push(`${step}: ${keyOf(before)} was not found`);
      return;
    }
    if (!fits(step, after)) return;
    if (keyOf(after) !== keyOf(before))
      problems.push(`${step}: the key changed from ${keyOf(before)} to ${keyOf(after)}`);
    if (!contains(after, change))
      problems.push(`${step}: ${JSON.stringify(after)} lacks the change ${JSON.stringify(change)}`);
    if (rt.updatedAt !== undefined) {
      const was = Date.parse(String((before as Record<string, unknown>)[rt.updatedAt]));
      const now = Date.parse(String((after as Record<string, unknown>)[rt.updatedAt]));
      if (now < was) problems.push(`${step}: ${rt.updatedAt} went back on ${keyOf(after)}`);
    }
    current.set(keyOf(after), after);
  };
  const [one, ...others] = created;
  if (rt.update && one !== undefined) {
    checked.push('update');
    const change = options.change(one);
    updated('update', one, change, await rt.update(ctx, change));
  }
  if (rt.updateMany && others.length > 0) {
    checked.push('updateMany');
    const changes = others.map((r) => options.change(r));
    const answers = await rt.updateMany(ctx, changes);
    for (const [i, r] of others.entries()) updated('updateMany', r, changes[i]!, answers[i]);
  }
  if (rt.get && (rt.update || rt.updateMany)) {
    for (const [key, record] of current) {
      const read = await rt.get(ctx, key);
      if (!isDeepStrictEqual(read, record))
        problems.push(
          `get after update: ${key} reads ${JSON.stringify(read)}, not ${JSON.stringify(record)}`,
        );
    }
  }

  // Delete: gone from get and list; deleting again finds nothing.
  const deleted: string[] = [];
  const [k1, ...kRest] = keys;
  if (rt.delete && k1 !== undefined) {
    checked.push('delete');
    if ((await rt.delete(ctx, k1)) !== true) problems.push(`delete: ${k1} was not found`);
    if ((await rt.delete(ctx, k1)) !== false) problems.push(`delete: ${k1} was deleted twice`);
    deleted.push(k1);
  }
  if (rt.deleteMany && kRest.length > 0) {
    checked.push('deleteMany');
    const gone = await rt.deleteMany(ctx, kRest);
    if (!isDeepStrictEqual([...gone].sort(), [...kRest].sort()))
      problems.push(`deleteMany: deleted ${gone.join(', ')} of ${kRest.join(', ')}`);
    const again = await rt.deleteMany(ctx, kRest);
    if (again.length > 0) problems.push(`deleteMany: deleted ${again.join(', ')} twice`);
    deleted.push(...kRest);
  }
  for (const key of deleted) {
    if (rt.get && (await rt.get(ctx, key)) !== undefined)
      problems.push(`get after delete: ${key} is still there`);
  }
  if (deleted.length > 0)
    for (const key of (await findByKey('find after delete', deleted)).keys())
      problems.push(`find after delete: ${key} is still found`);
  if (rt.list && deleted.length > 0) {
    const seen = await listAll('list after delete');
    for (const key of deleted)
      if (seen.has(key)) problems.push(`list after delete: ${key} is still listed`);
    await counted('count after delete', seen.size);
  } else if (rt.count && !rt.list) {
    checked.push('count');
    await counted('count', undefined);
  }
  return { problems, checked, created: created.length, pages, listed };
}

/**
 * Every record a record type lists, page after page from the start (`pageSize` per page), with
 * the number of pages read; for tests that look at what a `list` returns.
 *
 * @example
 * ```ts
 * const { records, pages } = await listAllForTest(tableRow, ctx, { pageSize: 10 });
 * ```
 */
export async function listAllForTest<F extends FieldSet>(
  recordType: RecordTypeDefinition<F>,
  ctx: RunContext,
  options: { pageSize?: number; maxPages?: number } = {},
): Promise<{ records: InferFields<F>[]; pages: number }> {
  if (!recordType.list) throw new Error(`The record type ${recordType.name} cannot list.`);
  const records: InferFields<F>[] = [];
  const limit = options.pageSize ?? 100;
  let cursor: string | undefined;
  for (let pages = 1; pages <= (options.maxPages ?? 1000); pages++) {
    const page = await recordType.list(ctx, cursor === undefined ? { limit } : { cursor, limit });
    records.push(...page.records);
    if (page.next === undefined) return { records, pages };
    cursor = page.next;
  }
  throw new Error(`${recordType.name}: still more pages after ${options.maxPages ?? 1000}`);
}
