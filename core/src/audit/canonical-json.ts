/** Member names as JSON text (names repeat from record to record; bounded). */
const quotedNames = new Map<string, string>();

function quotedName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    if (quotedNames.size >= 10_000) quotedNames.clear();
    quotedNames.set(name, quoted);
  }
  return quoted;
}

/** Whether every item of `items` is a string (such an array is its own `JSON.stringify`). */
function allStrings(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) if (typeof items[i] !== 'string') return false;
  return true;
}

/**
 * Canonical JSON of a value: object keys sorted by UTF-16 code units, no whitespace, `undefined`
 * members left out, as `JSON.stringify` writes strings and numbers. The same value, read back from
 * PostgreSQL's jsonb, gives the same text, so hashes over it can be checked years later.
 *
 * Hot: every record a sync maps is hashed through it, and every audit entry is sealed through
 * it. An array of strings is written by `JSON.stringify` at once; keys already in order (most
 * objects of one key, or written in order) are not sorted again; text is built without
 * intermediate arrays.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) {
    if (allStrings(value)) return JSON.stringify(value);
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || typeof member === 'function') continue;
    if (out.length > 1) out += ',';
    out += `${quotedName(key)}:${typeof member === 'string' ? JSON.stringify(member) : canonicalJson(member)}`;
  }
  return `${out}}`;
}
