/**
 * Safe reads from data: only OWN properties of objects and arrays (plus `length` and indexes of
 * arrays and strings). Inherited members (`constructor`, `__proto__`, `toString`) and functions read
 * as `undefined`, so no expression can reach a prototype or a method.
 */
export function readKey(target: unknown, key: string | number): unknown {
  if (typeof target !== 'object' || target === null) {
    if (typeof target === 'string') return readString(target, key);
    return undefined;
  }
  if (!Object.hasOwn(target, key)) return undefined;
  const value = (target as Record<string, unknown>)[key];
  return typeof value === 'function' ? undefined : value;
}

function toIndex(key: string | number): number {
  if (typeof key === 'number') return Number.isInteger(key) ? key : -1;
  const n = key.length > 0 && key.length < 16 ? Number(key) : Number.NaN;
  return Number.isInteger(n) && String(n) === key ? n : -1;
}

function readString(target: string, key: string | number): unknown {
  if (key === 'length') return target.length;
  const index = toIndex(key);
  return index >= 0 && index < target.length ? target[index] : undefined;
}

/** Follows `path` from `data`; returns `undefined` as soon as a segment is missing. */
export function readPath(data: unknown, path: readonly (string | number)[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || current === undefined) return undefined;
    current = readKey(current, key);
  }
  return current;
}

/** Splits a json-logic-js `var` path: `"a.b.0"` -> `["a", "b", "0"]`; numbers are one key. */
export function splitVarPath(path: unknown): (string | number)[] {
  if (path === null || path === undefined || path === '') return [];
  if (typeof path === 'number') return [String(path)];
  return String(path).split('.');
}
