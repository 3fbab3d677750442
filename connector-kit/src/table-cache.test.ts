import { describe, expect, it, vi } from 'vitest';
import { createTableCache } from './table-cache.js';

describe('table cache', () => {
  it('reads a table once while its description has what calls need, and again when it lacks a name', async () => {
    const cache = createTableCache<Set<string>>(60_000);
    const load = vi.fn(async () => new Set(['id', 'email']));
    expect(await cache.read('t', load, (c) => c.has('email'))).toEqual(new Set(['id', 'email']));
    await cache.read('t', load, (c) => c.has('id'));
    expect(load).toHaveBeenCalledTimes(1);

    const withName = vi.fn(async () => new Set(['id', 'email', 'name']));
    expect((await cache.read('t', withName, (c) => c.has('name'))).has('name')).toBe(true);
    expect(withName).toHaveBeenCalledTimes(1);
  });

  it('reads again once an entry is older than its time to live, or after clear', async () => {
    vi.useFakeTimers();
    try {
      const cache = createTableCache<string>(1000);
      const load = vi.fn(async () => 'columns');
      await cache.read('t', load, () => true);
      vi.advanceTimersByTime(1001);
      await cache.read('t', load, () => true);
      expect(load).toHaveBeenCalledTimes(2);
      cache.clear();
      await cache.read('t', load, () => true);
      expect(load).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never keeps a failed read, and shares one read between concurrent calls', async () => {
    const cache = createTableCache<string>(60_000);
    const failing = vi.fn(async () => {
      throw new Error('no such table');
    });
    await expect(cache.read('t', failing, () => true)).rejects.toThrow('no such table');
    const load = vi.fn(async () => 'columns');
    const [a, b] = await Promise.all([
      cache.read('t', load, () => true),
      cache.read('t', load, () => true),
    ]);
    expect([a, b]).toEqual(['columns', 'columns']);
    expect(load).toHaveBeenCalledTimes(1);
  });
});
