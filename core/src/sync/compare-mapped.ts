import { canonicalJson } from '../audit/canonical-json.js';
import type { DriftField } from '../db/tables/sync-bulk-tables.js';
import { readPath } from '../mapping/read-path.js';

type Row = Readonly<Record<string, unknown>>;

/** Equal as synced values: scalars by their text (7 and "7"), objects by canonical JSON. */
export function sameValue(x: unknown, y: unknown): boolean {
  const norm = (v: unknown) =>
    v === undefined || v === null
      ? 'null'
      : typeof v === 'object'
        ? canonicalJson(v)
        : JSON.stringify(String(v));
  return norm(x) === norm(y);
}

/** The leaf paths of a mapped record (objects walked; arrays and scalars are leaves). */
function leaves(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

/**
 * The fields where `target` differs from `mapped` (a source record under the mapping towards the
 * target): each leaf of `mapped`, by its dotted path, with the value from the side `mappedFrom`
 * and the target's. Fields the mapping does not write are not compared.
 *
 * @example
 * ```ts
 * compareMapped({ values: { email: 'a@x' } }, { values: { email: 'b@x', id: 7 } }, 'a');
 * // [{ field: 'values.email', a: 'a@x', b: 'b@x' }]
 * ```
 */
export function compareMapped(mapped: Row, target: Row, mappedFrom: 'a' | 'b'): DriftField[] {
  const out: DriftField[] = [];
  for (const path of leaves(mapped)) {
    if (path.length === 0) continue;
    const mine = readPath(mapped, path);
    const theirs = readPath(target, path);
    if (sameValue(mine, theirs)) continue;
    const field = path.join('.');
    out.push(
      mappedFrom === 'a'
        ? { field, a: mine ?? null, b: theirs ?? null }
        : { field, a: theirs ?? null, b: mine ?? null },
    );
  }
  return out;
}
