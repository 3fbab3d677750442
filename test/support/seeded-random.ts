/**
 * A seeded generator of numbers in [0, 1) (mulberry32): the same seed gives the same sequence,
 * so a randomized test that fails can be run again from its seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed a randomized test runs with: `env` when set (an integer), else a new one. */
export function testSeed(env: string | undefined): number {
  if (env !== undefined && env !== '') {
    const seed = Number(env);
    if (!Number.isInteger(seed) || seed < 0)
      throw new Error(`The seed "${env}" is not a non-negative integer.`);
    return seed;
  }
  return Math.floor(Math.random() * 1_000_000_000);
}
