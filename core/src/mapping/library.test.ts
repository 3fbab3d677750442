import { describe, expect, it } from 'vitest';
import { collectVarPaths } from './collect-var-paths.js';
import { compileExpression } from './compile-expression.js';
import { compileMapping } from './compile-mapping.js';
import { ExpressionEvaluationError } from './expression-error.js';
import type { Expression } from './types.js';

const run = (expression: Expression, data: unknown = null) => compileExpression(expression)(data);

describe('string operations', () => {
  it.each<[Expression, unknown]>([
    [{ lower: 'ÀBC' }, 'àbc'],
    [{ upper: [{ var: 'x' }] }, null],
    [{ trim: '  a b  ' }, 'a b'],
    [{ split: ['a,b,,c', ','] }, ['a', 'b', '', 'c']],
    [{ join: [['a', 1, null], '-'] }, 'a-1-'],
    [{ replace: ['a.b.c', '.', '/'] }, 'a/b/c'],
    [{ replace: ['a+b', '+', '$&'] }, 'a$&b'],
    [{ substring: ['integration', 2, 5] }, 'teg'],
    [{ substring: ['integration', -3] }, 'ion'],
    [{ pad_start: [7, 3, '0'] }, '007'],
    [{ pad_end: ['ab', 4] }, 'ab  '],
  ])('%j -> %j', (expression, expected) => {
    expect(run(expression, {})).toEqual(expected);
  });
});

describe('date operations', () => {
  it.each<[Expression, unknown]>([
    [{ date_parse: ['2024-03-01T10:00:00+01:00'] }, '2024-03-01T09:00:00.000Z'],
    [{ date_parse: ['2024-07-01 08:30', null, 'Europe/Paris'] }, '2024-07-01T06:30:00.000Z'],
    [{ date_parse: ['31/12/2023 23:59', 'dd/MM/yyyy HH:mm'] }, '2023-12-31T23:59:00.000Z'],
    [{ date_parse: [0] }, '1970-01-01T00:00:00.000Z'],
    [{ date_parse: [null] }, null],
    [
      { date_format: ['2024-03-01T09:00:00Z', 'dd/MM/yyyy HH:mm', 'Europe/Paris'] },
      '01/03/2024 10:00',
    ],
    [
      { date_format: ['2024-07-01T06:30:00Z', 'iso', 'America/New_York'] },
      '2024-07-01T02:30:00.000-04:00',
    ],
    [{ date_format: ['2024-07-01T06:30:00Z'] }, '2024-07-01T06:30:00.000Z'],
    [{ date_format: ['2024-07-01T18:05:00Z', "h:mm a 'UTC'"] }, '6:05 PM UTC'],
    [{ date_add: ['2024-01-31T12:00:00Z', 1, 'month'] }, '2024-02-29T12:00:00.000Z'],
    [{ date_add: ['2024-03-30T12:00:00Z', 1, 'day', 'Europe/Paris'] }, '2024-03-31T11:00:00.000Z'],
    [{ date_add: ['2024-01-01T00:00:00Z', -90, 'minutes'] }, '2023-12-31T22:30:00.000Z'],
    [{ date_diff: ['2024-01-01', '2024-03-01', 'days'] }, 60],
    [{ date_diff: ['2024-01-31', '2024-02-29', 'months'] }, 1],
    [{ date_diff: ['2024-01-15', '2024-02-14', 'months'] }, 0],
    [{ date_diff: ['2020-02-29', '2024-02-29', 'years'] }, 4],
    [{ date_diff: ['2024-01-01T00:00:00Z', '2024-01-01T05:59:00Z', 'hours'] }, 5],
  ])('%j -> %j', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it('fails with Invalid Date on bad dates, zones and units (try recovers)', () => {
    expect(() => run({ date_parse: ['not a date'] })).toThrow(ExpressionEvaluationError);
    expect(() => run({ date_format: ['2024-01-01', 'iso', 'Mars/Olympus'] })).toThrow(
      /unknown time zone/,
    );
    expect(() => run({ date_add: ['2024-01-01', 1, 'fortnight'] })).toThrow(/unknown unit/);
    expect(run({ try: [{ date_parse: ['2024-02-30'] }, { var: 'type' }] })).toBe('Invalid Date');
  });
});

describe('number operations', () => {
  it.each<[Expression, unknown]>([
    [{ round: [2.5] }, 3],
    [{ round: [-2.5] }, -3],
    [{ round: [1.005, 2] }, 1.01],
    [{ round: [1234.5678, -2] }, 1200],
    [{ number_parse: ['1,234.50'] }, 1234.5],
    [{ number_parse: ['1.234,50', ','] }, 1234.5],
    [{ number_parse: ['12abc'] }, null],
    [{ number_parse: [' -3e2 '] }, -300],
  ])('%j -> %j', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });
});

describe('object, array and lookup operations', () => {
  const data = { user: { id: 7, name: 'Ada', secret: 'x' }, country: 'FR', nested: [[1, [2]], 3] };
  it.each<[Expression, unknown]>([
    [{ pick: [{ var: 'user' }, ['id', 'name', 'absent']] }, { id: 7, name: 'Ada' }],
    [
      {
        object: [
          ['id', { var: 'user.id' }],
          ['label', 'x'],
        ],
      },
      { id: 7, label: 'x' },
    ],
    [
      {
        object: {
          map: [
            ['a', 'b'],
            [{ var: '' }, 1],
          ],
        },
      },
      { a: 1, b: 1 },
    ],
    [{ flatten: [{ var: 'nested' }] }, [1, [2], 3]],
    [{ flatten: [{ var: 'nested' }, 2] }, [1, 2, 3]],
    [{ lookup: [{ FR: 'France', DE: 'Germany' }, { var: 'country' }, 'Unknown'] }, 'France'],
    [{ lookup: [{ FR: 'France', DE: 'Germany' }, 'toString', 'Unknown'] }, 'Unknown'],
    [{ lookup: [{ FR: 'France' }, { var: 'absent' }] }, null],
    [{ coalesce: [{ var: 'absent' }, '', { var: 'user.name' }] }, 'Ada'],
    [{ '??': [{ var: 'absent' }, '', 'x'] }, ''],
  ])('%j -> %j', (expression, expected) => {
    expect(run(expression, data)).toEqual(expected);
  });

  it('takes its table literally, never evaluated', () => {
    expect(() => compileExpression({ lookup: [['FR'], 'k'] })).toThrow(/literal object/);
    expect(run({ lookup: [{ var: 'table' }, 'var'] }, data)).toBe('table');
  });
});

describe('compileMapping', () => {
  it('computes every field and reports failing fields with pointers', () => {
    const mapping = compileMapping({
      email: { lower: { var: 'Email' } },
      total: { '*': [{ var: 'qty' }, { var: 'price' }] },
      country: { lookup: [{ FR: 'France' }, { var: 'cc' }, 'Other'] },
    });
    expect(mapping({ Email: 'A@B.C', qty: 2, price: 'n/a', cc: 'FR' })).toEqual({
      output: { email: 'a@b.c', country: 'France' },
      errors: [
        {
          field: 'total',
          pointer: '/total',
          message: '"n/a" is not a number',
          kind: 'evaluation-failed',
        },
      ],
    });
  });

  it('lists every problem of every field at compile time', () => {
    expect(() => compileMapping({ a: { nope: 1 }, b: { upper: [] } })).toThrow(
      expect.objectContaining({
        problems: [
          { pointer: '/a', message: 'unknown operation "nope"' },
          { pointer: '/b/upper', message: '"upper" takes exactly 1 argument, got 0' },
        ],
      }),
    );
  });
});

describe('collectVarPaths', () => {
  it('lists the static paths read from the data, not those relative to iterated items', () => {
    expect(
      collectVarPaths({
        cat: [{ var: 'first' }, { var: ['last', ''] }, { val: ['a', 'b'] }],
        map: [{ var: 'items' }, { var: 'qty' }],
        missing: ['zip'],
      } as unknown as Expression),
    ).toEqual([]);
    expect(
      collectVarPaths({
        if: [
          { missing: ['zip'] },
          { cat: [{ var: 'first' }, { var: ['last', ''] }, { val: ['a', 'b'] }] },
          { map: [{ var: 'items' }, { var: 'qty' }] },
        ],
      }),
    ).toEqual(['zip', 'first', 'last', 'a.b', 'items']);
  });
});
