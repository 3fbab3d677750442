import jsonLogic from 'json-logic-js';
import { describe, expect, it } from 'vitest';
import { compileExpression } from './compile-expression.js';
import type { Expression } from './types.js';

/**
 * For json-logic-js's own operations, Junction gives json-logic-js's answers, except the
 * differences listed in README.md (NaN and bad arguments are errors, chaining, `{"var"}` safety).
 */
const data = {
  a: 1,
  b: '2',
  s: 'Hello World',
  n: null,
  t: true,
  f: false,
  zero: 0,
  empty: '',
  list: [3, 1, 2],
  words: ['x', 'y'],
  people: [
    { name: 'Ada', age: 36, team: 'eng' },
    { name: 'Grace', age: 45, team: 'ops' },
  ],
  nested: { deep: { value: 42 }, arr: [{ k: 'v' }] },
};

const expressions: Expression[] = [
  { var: 'a' },
  { var: 'nested.deep.value' },
  { var: 'nested.arr.0.k' },
  { var: ['missing', 'default'] },
  { var: ['n', 'default'] },
  { var: 'list.1' },
  { var: '' },
  { var: 'people.1.name' },
  { missing: ['a', 'missing', 'empty', 'n'] },
  { missing_some: [1, ['a', 'missing']] },
  { missing_some: [2, ['a', 'missing', 'n']] },
  { if: [{ var: 't' }, 'yes', 'no'] },
  { if: [{ var: 'f' }, 'yes', { var: 'zero' }, 'zero', 'else'] },
  { '?:': [{ var: 'list' }, 'non-empty', 'empty'] },
  { '==': [{ var: 'a' }, 1] },
  { '==': [{ var: 'b' }, 2] },
  { '===': [{ var: 'b' }, '2'] },
  { '!=': [{ var: 'a' }, 2] },
  { '!==': [{ var: 'a' }, '1'] },
  { '!': [{ var: 'empty' }] },
  { '!!': [{ var: 'list' }] },
  { '!!': [[]] },
  { or: [{ var: 'f' }, { var: 'zero' }, 'x'] },
  { and: [{ var: 't' }, { var: 'a' }, { var: 's' }] },
  { and: [{ var: 't' }, { var: 'empty' }, 'never'] },
  { '>': [{ var: 'a' }, 0] },
  { '>=': [{ var: 'b' }, 2] },
  { '<': [{ var: 'a' }, { var: 'b' }] },
  { '<=': [1, { var: 'a' }, 3] },
  { '<': [1, 5, 3] },
  { '<': ['a', 'b'] },
  { max: [1, 5, 3] },
  { min: [{ var: 'a' }, -1] },
  { '+': [1, { var: 'b' }] },
  { '-': [{ var: 'a' }, 5] },
  { '-': [3] },
  { '*': [2, { var: 'b' }, 3] },
  { '/': [9, 3] },
  { '%': [7, 3] },
  { map: [{ var: 'list' }, { '*': [{ var: '' }, 2] }] },
  { filter: [{ var: 'people' }, { '>': [{ var: 'age' }, 40] }] },
  { reduce: [{ var: 'list' }, { '+': [{ var: 'current' }, { var: 'accumulator' }] }, 10] },
  { all: [{ var: 'list' }, { '>': [{ var: '' }, 0] }] },
  { some: [{ var: 'people' }, { '==': [{ var: 'team' }, 'ops'] }] },
  { none: [{ var: 'list' }, { '>': [{ var: '' }, 5] }] },
  { merge: [{ var: 'list' }, [4], 5] },
  { in: ['World', { var: 's' }] },
  { in: [2, { var: 'list' }] },
  { cat: ['a', 1, { var: 'n' }, true] },
  { substr: [{ var: 's' }, 6] },
  { substr: [{ var: 's' }, -5, 3] },
  { substr: [{ var: 's' }, 0, -6] },
  [1, { var: 'a' }, 'x'],
];

describe('equivalence with json-logic-js', () => {
  it.each(expressions.map((e) => [JSON.stringify(e), e] as const))('%s', (_text, expression) => {
    const expected = jsonLogic.apply(expression as jsonLogic.RulesLogic, data);
    expect(compileExpression(expression)(data)).toEqual(expected);
  });

  it('differs where the conformance suites say json-logic-js is wrong (documented)', () => {
    expect(jsonLogic.apply({ '+': ['Hey', 1] })).toBeNaN();
    expect(() => compileExpression({ '+': ['Hey', 1] })(null)).toThrow(/not a number/);
    expect(jsonLogic.apply({ max: [] })).toBe(Number.NEGATIVE_INFINITY);
    expect(() => compileExpression({ max: [] })).toThrow(/at least 1 argument/);
    expect(jsonLogic.apply({ '/': [1, 0] })).toBe(Number.POSITIVE_INFINITY);
    expect(() => compileExpression({ '/': [1, 0] })(null)).toThrow(/division by zero/);
    expect(compileExpression({ max: { var: 'xs' } })({ xs: [1, 3, 2] })).toBe(3);
    expect(jsonLogic.apply({ '==': [null, 0] })).toBe(false);
    expect(compileExpression({ '==': [null, 0] })(null)).toBe(true);
  });
});
