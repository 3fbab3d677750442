import { describe, expect, it } from 'vitest';
import { createFormSearch } from './form-search.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A small deterministic generator, so that a failure is the same on every run. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % n;
  };
}

describe('createFormSearch', () => {
  it('finds a form at the start, the end, across the sampled positions and nowhere else', () => {
    const holds = createFormSearch(['s3cret-token', 'abcd']);
    expect(holds('s3cret-token')).toBe(true);
    expect(holds('xxs3cret-token')).toBe(true);
    expect(holds('xs3cret-tokenx')).toBe(true);
    expect(holds('…abcd')).toBe(true);
    expect(holds('abc')).toBe(false);
    expect(holds('s3cret-toke')).toBe(false);
    expect(holds('')).toBe(false);
    expect(createFormSearch([])('anything')).toBe(false);
  });

  it('answers as a regex alternation of the forms does, over many texts', () => {
    const next = random(7);
    const alphabet = 'ab01-_é😀';
    const word = (length: number) =>
      Array.from({ length }, () => alphabet[next(alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const forms = Array.from({ length: 1 + next(4) }, () => word(4 + next(12)));
      const holds = createFormSearch(forms);
      const pattern = new RegExp(forms.map(escapeRegExp).join('|'));
      for (let t = 0; t < 20; t++) {
        let text = word(next(60));
        if (next(2) === 0) {
          const at = next(text.length + 1);
          text = text.slice(0, at) + (forms[next(forms.length)] as string) + text.slice(at);
        }
        expect(holds(text), `${JSON.stringify(forms)} in ${JSON.stringify(text)}`).toBe(
          pattern.test(text),
        );
      }
    }
  });

  it('finds a form longer than 65,536 units, wherever it starts', () => {
    const long = Array.from({ length: 70_000 }, (_, i) =>
      String.fromCharCode(97 + ((i * 7) % 26)),
    ).join('');
    const holds = createFormSearch([long]);
    for (const at of [0, 1, 3, 65_535, 65_537])
      expect(holds(`${'-'.repeat(at)}${long}!`)).toBe(true);
    expect(holds(long.slice(1))).toBe(false);
  });

  it('refuses a form shorter than 4 code units', () => {
    expect(() => createFormSearch(['abc'])).toThrow(/fewer than 4/);
  });
});
