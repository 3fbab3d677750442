import { InvalidInputError } from './errors.js';
import type { RunContext } from './run-context.js';
import type { PollResult, TriggerEvent } from './trigger.js';

/**
 * When a record last changed, as the API gives it: an RFC 3339 / ISO 8601 text, or a number
 * (epoch seconds or milliseconds, or a sequence).
 *
 * @example
 * ```ts
 * const at: ChangedAt = '2024-05-01T10:00:00.123Z';
 * ```
 */
export type ChangedAt = string | number;

/**
 * What {@link ChangedSinceOptions.fetchPage} is asked for: the records changed at or after
 * `since` (`null`: from the beginning), and the page of that listing to read (`null`: its first).
 *
 * @example
 * ```ts
 * ctx.http.get('/contacts', { query: { updated_since: since ?? undefined, cursor: page ?? undefined } });
 * ```
 */
export interface ChangedSinceRequest {
  readonly since: ChangedAt | null;
  readonly page: string | null;
}

/**
 * One page of a "changed since" listing: its records, and the cursor of the next page (`null`
 * or absent on the last).
 *
 * @example
 * ```ts
 * return { records: body.data, nextPage: body.next_cursor };
 * ```
 */
export interface ChangedSincePage<R> {
  readonly records: readonly R[];
  readonly nextPage?: string | null;
}

/**
 * How {@link pollChangedSince} reads one API: how to fetch a page, and where each record's key
 * and change time are.
 *
 * @example
 * ```ts
 * pollChangedSince({ fetchPage, key: (c) => c.id, updatedAt: (c) => c.updated_at, data: (c) => ({ id: c.id }) });
 * ```
 */
export interface ChangedSinceOptions<R, T, C> {
  /** Reads one page of the records changed at or after `request.since`. */
  fetchPage(ctx: C, request: ChangedSinceRequest): Promise<ChangedSincePage<R>>;
  /** The record's identity in the system (its id). */
  key(record: R): string | number;
  /** When the record last changed; records are compared by it (dates by instant, then text). */
  updatedAt(record: R): ChangedAt;
  /** The event's data for a record; without it, the record itself. */
  data?(record: R): T;
  /** Pages read in one poll before the rest waits for the next poll; default 10. */
  readonly maxPages?: number;
  /**
   * Records changed less than this many seconds ago (by a date-time `updatedAt`) wait for a
   * later poll, for APIs whose listings lag behind their writes; default 0.
   */
  readonly lagSeconds?: number;
}

interface State {
  /** Where the listing under way (or the next one) starts. */
  readonly since: ChangedAt | null;
  /** Keys already delivered whose change time is exactly `since`. */
  readonly ties: readonly string[];
  /** The next page of the listing under way, or null. */
  readonly page: string | null;
  /** The newest change time delivered by the listing under way, and the keys at it. */
  readonly max: ChangedAt | null;
  readonly maxTies: readonly string[];
}

const START: State = { since: null, ties: [], page: null, max: null, maxTies: [] };

/**
 * Orders two change times: both dates by instant (then by text, for sub-millisecond digits),
 * numbers by value, otherwise as text.
 *
 * @example
 * ```ts
 * compareChangedAt('2024-05-01T10:00:00Z', '2024-05-01T12:00:00+02:00'); // 0
 * ```
 */
export function compareChangedAt(a: ChangedAt, b: ChangedAt): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const ta = instant(a);
  const tb = instant(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta - tb;
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && fraction(a) !== fraction(b)) {
    return fraction(a) < fraction(b) ? -1 : 1;
  }
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return 0;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Milliseconds of an ISO 8601 date or date-time text, else NaN. */
function instant(value: ChangedAt): number {
  return typeof value === 'string' && ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/** Digits of a date-time's fraction of a second, padded (`.5` and `.500000` are equal). */
function fraction(value: ChangedAt): string {
  return (/\.(\d+)/.exec(String(value))?.[1] ?? '').padEnd(9, '0');
}

function readState(cursor: string | null): State {
  if (cursor === null) return START;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  const s = parsed as Partial<Record<keyof State, unknown>> & { kind?: unknown };
  const changedAt = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number';
  const keys = (v: unknown) => Array.isArray(v) && v.every((k) => typeof k === 'string');
  if (
    typeof s !== 'object' ||
    s === null ||
    s.kind !== 'changed-since' ||
    !changedAt(s.since) ||
    !changedAt(s.max) ||
    !keys(s.ties) ||
    !keys(s.maxTies) ||
    !(s.page === null || typeof s.page === 'string')
  ) {
    const message = 'is not a cursor this trigger wrote';
    throw new InvalidInputError(`The stored cursor ${message}.`, {
      problems: [{ pointer: '/cursor', message }],
    });
  }
  return s as unknown as State;
}

function writeState(state: State): string {
  return JSON.stringify({ kind: 'changed-since', ...state });
}

/**
 * A polling trigger's `poll` for the common "list records changed since T" APIs (since 1.4). It
 * owns the bookkeeping every such trigger would otherwise write by hand:
 *
 * - the cursor: where the next listing starts (the newest change time delivered), kept only
 *   once a listing has been read to its end, so records are not skipped when a poll fails;
 * - the page cursor: a listing longer than `maxPages` pages goes on at the next poll;
 * - ordering ties: the API is asked for records changed *at or after* the cursor, and the
 *   records at exactly that time that were already delivered are left out (so records sharing
 *   one change time are neither missed nor repeated, whatever order the API lists them in);
 * - dedupe keys: `<key>@<updatedAt>`, one event per change of a record, so a change delivered
 *   twice (a retried poll) is stored once by the platform.
 *
 * @example
 * ```ts
 * export const contactChanged = definePollingTrigger({
 *   key: 'contact-changed', name: 'Contact changed', description: 'New and changed contacts',
 *   output: { id: field.string(), email: field.string() }, sample: { id: 'c_1', email: 'ann@example.com' },
 *   poll: pollChangedSince({
 *     async fetchPage(ctx, { since, page }) {
 *       const body = await ctx.http.get<{ data: Contact[]; next: string | null }>('/contacts', {
 *         query: { updated_since: since === null ? undefined : String(since), cursor: page ?? undefined },
 *       });
 *       return { records: body.data, nextPage: body.next };
 *     },
 *     key: (c) => c.id,
 *     updatedAt: (c) => c.updated_at,
 *     data: (c) => ({ id: c.id, email: c.email }),
 *   }),
 * });
 * ```
 */
export function pollChangedSince<R, T = R, C extends RunContext = RunContext>(
  options: ChangedSinceOptions<R, T, C>,
): (ctx: C, cursor: string | null) => Promise<PollResult<T>> {
  const maxPages = options.maxPages ?? 10;
  const lagMs = (options.lagSeconds ?? 0) * 1000;
  return async (ctx, cursor) => {
    let state = readState(cursor);
    const items: TriggerEvent<T>[] = [];
    const tooNew = lagMs > 0 ? Date.now() - lagMs : undefined;
    for (let pages = 0; pages < maxPages; pages++) {
      const page = await options.fetchPage(ctx, { since: state.since, page: state.page });
      let { max, maxTies } = state;
      for (const record of page.records) {
        const key = String(options.key(record));
        const at = options.updatedAt(record);
        if (tooNew !== undefined && instant(at) > tooNew) continue;
        if (state.since !== null) {
          const order = compareChangedAt(at, state.since);
          if (order < 0 || (order === 0 && state.ties.includes(key))) continue;
        }
        const vsMax = max === null ? 1 : compareChangedAt(at, max);
        if (vsMax > 0) {
          max = at;
          maxTies = [key];
        } else if (vsMax === 0 && !maxTies.includes(key)) maxTies = [...maxTies, key];
        const data = options.data ? options.data(record) : (record as unknown as T);
        items.push({ dedupeKey: `${key}@${at}`, data });
      }
      const next = page.nextPage ?? null;
      if (next !== null) {
        state = { ...state, page: next, max, maxTies };
        continue;
      }
      // The listing is read to its end: the next one starts at the newest change delivered.
      state = advance(state, max, maxTies);
      return { items, cursor: writeState(state) };
    }
    return { items, cursor: writeState(state) };
  };
}

function advance(state: State, max: ChangedAt | null, maxTies: readonly string[]): State {
  if (max === null) return { ...state, page: null, max: null, maxTies: [] };
  const order = state.since === null ? 1 : compareChangedAt(max, state.since);
  const ties = order === 0 ? [...new Set([...state.ties, ...maxTies])] : maxTies;
  return { since: max, ties, page: null, max: null, maxTies: [] };
}
