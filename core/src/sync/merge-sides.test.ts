import { describe, expect, it } from 'vitest';
import { keysetItems, type Merged, mergeSides } from './merge-sides.js';

const byJoin = { joinOfA: (s: string) => s, joinOfB: (s: string) => s };

async function collect<A, B>(steps: AsyncIterable<Merged<A, B>>) {
  const out: string[] = [];
  for await (const step of steps)
    out.push(
      step.kind === 'both'
        ? `both:${String(step.a)}=${String(step.b)}`
        : step.kind === 'a'
          ? `a:${String(step.a)}`
          : `b:${String(step.b)}`,
    );
  return out;
}

/** A small seeded generator (mulberry32), so a failure is repeatable from its seed. */
function random(seed: number) {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mergeSides', () => {
  it('yields only-A, only-B and pairs in join key order', async () => {
    const steps = await collect(mergeSides(['a1', 'c3', 'd4'], ['b2', 'c3', 'e5'], byJoin));
    expect(steps).toEqual(['a:a1', 'b:b2', 'both:c3=c3', 'a:d4', 'b:e5']);
  });

  it('handles an empty side and two empty sides', async () => {
    expect(await collect(mergeSides([], ['x'], byJoin))).toEqual(['b:x']);
    expect(await collect(mergeSides(['x'], [], byJoin))).toEqual(['a:x']);
    expect(await collect(mergeSides([], [], byJoin))).toEqual([]);
  });

  it('pairs records of different shapes by their own join keys', async () => {
    const a = [
      { key: '10', join: 'l:1' },
      { key: '9', join: 'l:2' },
    ];
    const b = [{ id: 'B-7', link: 'l:2' }];
    const steps = [];
    for await (const step of mergeSides(a, b, {
      joinOfA: (r) => r.join,
      joinOfB: (r) => r.link,
    }))
      steps.push(step);
    expect(steps).toEqual([
      { kind: 'a', a: { key: '10', join: 'l:1' } },
      { kind: 'both', a: { key: '9', join: 'l:2' }, b: { id: 'B-7', link: 'l:2' } },
    ]);
  });

  it('pairs repeated join keys in order and yields the surplus alone', async () => {
    const steps = await collect(mergeSides(['m', 'm', 'm'], ['m'], byJoin));
    expect(steps).toEqual(['both:m=m', 'a:m', 'a:m']);
  });

  it('refuses a side out of join key order', async () => {
    await expect(collect(mergeSides(['b', 'a'], [], byJoin))).rejects.toThrow(
      /Side A is not in join key order: "a" came after "b"/,
    );
    await expect(collect(mergeSides([], ['2', '1'], byJoin))).rejects.toThrow(/Side B/);
  });

  it('agrees with a set comparison on random sides (seeded)', async () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const next = random(seed);
      const a = new Set<string>();
      const b = new Set<string>();
      for (let i = 0; i < 500; i++) {
        const key = `k${Math.floor(next() * 800)
          .toString()
          .padStart(4, '0')}`;
        (next() < 0.5 ? a : b).add(key);
      }
      const sortedA = [...a].sort();
      const sortedB = [...b].sort();
      const expected = [...new Set([...a, ...b])]
        .sort()
        .map((k) => (a.has(k) && b.has(k) ? `both:${k}=${k}` : a.has(k) ? `a:${k}` : `b:${k}`));
      expect(await collect(mergeSides(sortedA, sortedB, byJoin)), `seed ${seed}`).toEqual(expected);
    }
  });

  it('reads each side lazily: at most one item ahead of what it has yielded', async () => {
    let pulledA = 0;
    let pulledB = 0;
    async function* endless(side: 'a' | 'b') {
      for (let i = 0; ; i++) {
        if (side === 'a') pulledA++;
        else pulledB++;
        yield `${String(i).padStart(9, '0')}${side}`;
      }
    }
    let seen = 0;
    for await (const _ of mergeSides(endless('a'), endless('b'), byJoin)) {
      seen++;
      if (seen === 1000) break;
    }
    expect(pulledA + pulledB).toBeLessThanOrEqual(seen + 2);
  });
});

describe('keysetItems', () => {
  it('reads page after page from each page’s position until a page has none', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => i + 1);
    const reads: (string | undefined)[] = [];
    const items: number[] = [];
    for await (const item of keysetItems(async (after) => {
      reads.push(after);
      const start = after === undefined ? 0 : Number(after);
      const page = rows.slice(start, start + 10);
      return start + 10 < rows.length ? { items: page, next: String(start + 10) } : { items: page };
    }))
      items.push(item);
    expect(items).toEqual(rows);
    expect(reads).toEqual([undefined, '10', '20']);
  });
});
