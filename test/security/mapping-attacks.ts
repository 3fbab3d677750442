/**
 * Inputs that made a mapping operation take time out of proportion to its input (quadratic
 * backtracking in `number_parse`, exponential in `date_parse`'s pattern) or crash it (a string too
 * long to build), and the partners that trigger them. Each adversarial value grows with `n`; the
 * budget test evaluates every operation on them at two sizes and compares the times.
 */

/** A value whose size grows with `n`, named for the failure it provokes. */
export interface Attack {
  readonly name: string;
  readonly value: (n: number) => unknown;
}

const nested = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Adversarial values: long runs that regular expressions backtrack on, big arrays and objects. */
export const attacks: readonly Attack[] = [
  { name: 'digits then a letter', value: (n) => `${'9'.repeat(n)}x` },
  {
    name: 'digits, point, digits, bad exponent',
    value: (n) => `${'1'.repeat(n)}.${'1'.repeat(n)}e`,
  },
  { name: 'grouped digits', value: (n) => `${'1,'.repeat(n)}x` },
  { name: 'spaces then a letter', value: (n) => `${' '.repeat(n)}x` },
  { name: 'one letter repeated', value: (n) => 'a'.repeat(n) },
  { name: 'a unit word of s', value: (n) => 's'.repeat(n) },
  { name: 'date with a long tail', value: (n) => `2024-01-01${' '.repeat(n)}Z1` },
  { name: 'digits and slashes', value: (n) => '1/'.repeat(n) },
  { name: 'single-letter date fields', value: (n) => 'Hm'.repeat(n) },
  { name: 'date fields with no separators', value: (n) => 'dMHms'.repeat(Math.ceil(n / 5)) },
  { name: 'unterminated quote in a pattern', value: (n) => `'${'y'.repeat(n)}` },
  { name: 'array of strings', value: (n) => Array.from({ length: n }, () => 'a') },
  { name: 'array of numbers', value: (n) => Array.from({ length: n }, (_, i) => i) },
  { name: 'array of arrays', value: (n) => Array.from({ length: n }, () => ['a', 1]) },
  { name: 'nested arrays', value: (n) => nested(Math.floor(n / 8)) },
  {
    name: 'object with many keys',
    value: (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
  },
];

/**
 * Fixed-size partners: separators, needles, patterns, units, numbers at the edges of what dates
 * and strings can hold.
 */
export const partners: readonly unknown[] = [
  null,
  '',
  'a',
  ',',
  '.',
  'aaaaaaaa',
  'yyyy-MM-dd',
  'HmHmHmHmHmHmHmHmHmHmHmHmHmHm',
  "XXXXXXX'",
  'day',
  'month',
  'Europe/Paris',
  0,
  1,
  -1,
  1e308,
  -1e308,
  8.64e15,
  123456789,
  [],
  ['a', 'b'],
  { a: 1 },
];

/** Mapping expressions whose results are too large, each with the limit it must name. */
export const oversizedResults: readonly {
  readonly name: string;
  readonly expression: unknown;
  readonly limit: string;
}[] = [
  {
    name: 'replace multiplying a long text',
    expression: { replace: [{ pad_end: ['', 900_000, 'a'] }, 'a', 'aaaaaaaaaa'] },
    limit: 'maxStringLength',
  },
  {
    name: 'join of a long list of long texts',
    expression: {
      join: [
        { map: [{ split: [{ pad_end: ['', 20_000, ','] }, ','] }, { pad_end: ['', 900, 'b'] }] },
        '-',
      ],
    },
    limit: 'maxStringLength',
  },
  {
    name: 'date_format with a pattern of half-day markers',
    expression: { date_format: ['2024-01-01T00:00:00Z', { pad_end: ['', 900_000, 'a'] }] },
    limit: 'maxStringLength',
  },
];

/** Expressions whose result is out of range: an evaluation error, never an engine crash. */
export const outOfRange: readonly { readonly name: string; readonly expression: unknown }[] = [
  { name: 'date_add of 1e300 days', expression: { date_add: ['2024-01-01', 1e300, 'day'] } },
  { name: 'date_add of 1e15 hours', expression: { date_add: ['2024-01-01', 1e15, 'hours'] } },
  { name: 'date_parse of a huge epoch', expression: { date_parse: [1e20] } },
  { name: 'date_format of a huge epoch', expression: { date_format: [-1e20] } },
];

/** `{"a":{"a":...1...}}` nested `depth` deep, as text (JSON.stringify itself overflows on it). */
export function deepObjectText(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A mapping expression `{"upper":{"upper":...{"var":"event.x"}}}` nested `depth` deep, as text. */
export function deepExpressionText(depth: number): string {
  return `${'{"upper":'.repeat(depth)}{"var":"event.x"}${'}'.repeat(depth)}`;
}

/** Output field names that name a JavaScript object's prototype: refused at save. */
export const prototypeFieldNames = ['__proto__', 'constructor', 'prototype'] as const;

/** Webhook bodies PostgreSQL cannot store, as raw JSON text, with the pointer that is refused. */
export const unstorableBodies: readonly { name: string; body: string; pointer: string }[] = [
  { name: 'a NUL character', body: '{"id":"n1","note":"a\\u0000b"}', pointer: '/body/note' },
  { name: 'a lone high surrogate', body: '{"id":"s1","note":"a\\ud800b"}', pointer: '/body/note' },
  { name: 'a lone low surrogate', body: '{"id":"s2","note":"\\udc00"}', pointer: '/body/note' },
  { name: 'a NUL in a key', body: '{"id":"k1","n\\u0000te":1}', pointer: '/body/n\u0000te' },
  { name: 'a NUL in the record id', body: '{"id":"r\\u0000"}', pointer: '' },
];
