/**
 * A short-lived cache of table descriptions for one pool, keyed by table. A cached entry is used
 * only while it is younger than the time to live and `accept` finds in it everything the call
 * needs; otherwise (a name it lacks, say a column added since) the table is read again. A failed
 * read is never cached, and `clear` drops everything (after a statement failed on an unknown
 * table or column).
 *
 * @example
 * ```ts
 * const cache = createTableCache<Columns>(60_000);
 * const columns = await cache.read('public\u0000people', load, (c) => c.has('email'));
 * ```
 */
export interface TableCache<T> {
  read(key: string, load: () => Promise<T>, accept: (value: T) => boolean): Promise<T>;
  clear(): void;
}

interface Entry<T> {
  readonly expires: number;
  readonly value: Promise<T>;
}

/**
 * A table cache whose entries live `ttlMs` milliseconds.
 *
 * @example
 * ```ts
 * const cache = createTableCache<Columns>(60_000);
 * ```
 */
export function createTableCache<T>(ttlMs: number): TableCache<T> {
  const entries = new Map<string, Entry<T>>();
  const fresh = (key: string, load: () => Promise<T>): Promise<T> => {
    const value = load();
    const entry = { expires: Date.now() + ttlMs, value };
    entries.set(key, entry);
    value.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return value;
  };
  return {
    async read(key, load, accept) {
      const cached = entries.get(key);
      if (cached === undefined || cached.expires <= Date.now()) return fresh(key, load);
      const value = await cached.value.catch(() => undefined);
      if (value !== undefined && accept(value)) return value;
      if (entries.get(key) === cached) return fresh(key, load);
      return (entries.get(key)?.value ?? fresh(key, load)) as Promise<T>;
    },
    clear() {
      entries.clear();
    },
  };
}
