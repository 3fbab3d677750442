import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

/** The definition, written plainly: what the fast paths must give for every value. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined || typeof member === 'function') continue;
    members.push(`${JSON.stringify(key)}:${reference(member)}`);
  }
  return `{${members.join(',')}}`;
}

const nullProto = Object.assign(Object.create(null) as object, { b: 1, a: 'x' });

const values: unknown[] = [
  null,
  undefined,
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1.5e300,
  true,
  '',
  'quote " backslash \\ newline \n tab \t \u0001 \u2028 lone \ud800',
  [],
  {},
  ['a', 'b', '"c"'],
  ['a', 1, null, undefined, 'b'],
  [undefined],
  [['1', '2'], ['3', '4'], []],
  { b: 1, a: 2 },
  { a: 1, b: 2 },
  { 10: 'ten', 9: 'nine', x: 'x', '01': 'zero one' },
  { é: 1, e: 2, '\ud83d\ude00': 3, '\uffff': 4, Z: 5, z: 6 },
  { gone: undefined, fn: () => 1, kept: 'yes' },
  { only: undefined },
  { when: new Date(Date.UTC(2026, 11, 7, 10, 0, 0, 123)) },
  { values: { name: 'Ann', id: '7', email: 'ann@example.com' } },
  { __proto__: null, plain: 'null prototype' },
  nullProto,
  {
    backfill: '1',
    from: 'a',
    linked: [],
    created: {
      side: 'b',
      links: [
        ['1', '2'],
        ['3', '4'],
      ],
    },
  },
  { deep: { deeper: [{ z: [1, { y: 'y', x: 'x' }], a: null }] } },
];

describe('canonicalJson', () => {
  it('writes every value as the plain definition does (sorted keys, no undefined, dates as ISO)', () => {
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value));
  });

  it('sorts keys by UTF-16 code units whatever order they were written in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 'x'], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,"x"]},"b":1}',
    );
    expect(canonicalJson({ 10: 1, 9: 2, a: 3 })).toBe('{"10":1,"9":2,"a":3}');
  });

  it('gives the same text for the same member names in another order, many times over', () => {
    const names = Array.from({ length: 50 }, (_, i) => `n${(i * 37) % 50}`);
    const forward = Object.fromEntries(names.map((n) => [n, n]));
    const backward = Object.fromEntries([...names].reverse().map((n) => [n, n]));
    expect(canonicalJson(forward)).toBe(canonicalJson(backward));
    expect(canonicalJson(forward)).toBe(reference(forward));
  });
});
