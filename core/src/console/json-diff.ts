/** One difference between two JSON documents, at a JSON pointer. */
export interface JsonChange {
  readonly pointer: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before: unknown;
  readonly after: unknown;
}

/** Whether a JSON value is an object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** A member name as one step of a JSON pointer (RFC 6901). */
export const escapeKey = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
/** The member names a JSON pointer steps through. */
export const pointerKeys = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));

/**
 * The differences between two JSON documents (two versions of an integration's definition),
 * member by member and item by item, in document order; bounded by `limit` entries.
 */
export function jsonDiff(before: unknown, after: unknown, limit = 500): JsonChange[] {
  const out: JsonChange[] = [];
  const walk = (a: unknown, b: unknown, pointer: string) => {
    if (out.length >= limit) return;
    if (isObject(a) && isObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
        walk(a[key], b[key], `${pointer}/${escapeKey(key)}`);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${pointer}/${i}`);
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const kind = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    out.push({ pointer: pointer || '/', kind, before: a, after: b });
  };
  walk(before, after, '');
  return out;
}
