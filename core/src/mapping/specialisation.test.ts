import { describe, expect, it } from 'vitest';
import { compileExpression } from './compile-expression.js';
import { compileMapping } from './compile-mapping.js';
import { ExpressionEvaluationError, ExpressionLimitError } from './expression-error.js';
import type { Expression } from './types.js';

/** The compile-time specialisations give the same answers as the general paths. */

function typeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) return error.type;
    throw error;
  }
  return undefined;
}

describe('remembered reads of the evaluation data', () => {
  it('reads each field right when several fields share paths and prefixes', () => {
    const map = compileMapping({
      a: { var: 'user.name' },
      b: { cat: [{ var: 'user.name' }, '/', { var: 'user.id' }] },
      c: { var: ['user.missing', 'none'] },
      d: { var: ['user.missing', { var: 'user.id' }] },
      e: { var: 'user.tags.1' },
      f: { var: 'user.tags.1.x' },
      g: { var: 'user.__proto__' },
      h: { var: 'user.constructor' },
    });
    const data = { user: { name: 'Ada', id: 7, tags: ['x', 'y'] } };
    expect(map(data)).toEqual({
      output: { a: 'Ada', b: 'Ada/7', c: 'none', d: 7, e: 'y', f: null, g: null, h: null },
      errors: [],
    });
    // Nothing is remembered between evaluations.
    expect(map({ user: { name: 'Bob' } }).output).toMatchObject({ a: 'Bob', b: 'Bob/', d: null });
  });

  it('reads iteration items and recovery data directly, not from the remembered root', () => {
    const expression = {
      cat: [
        { var: 'a' },
        { join: [{ map: [{ var: 'items' }, { var: 'a' }] }, ','] },
        { try: [{ throw: 'Oops' }, { var: 'type' }] },
        { var: 'a' },
      ],
    };
    const data = { a: 'root', items: [{ a: 1 }, { a: 2 }, { b: 3 }] };
    expect(compileExpression(expression as unknown as Expression)(data)).toBe('root1,2,Oopsroot');
  });

  it('caches nothing across a primitive root', () => {
    const length = compileMapping({ n: { var: 'length' }, c: { var: '0' } });
    expect(length('abc').output).toEqual({ n: 3, c: 'a' });
    expect(length(null).output).toEqual({ n: null, c: null });
  });
});

describe('cat templates', () => {
  it('joins literal parts at compile time and evaluates the rest', () => {
    const cat = compileExpression({
      cat: ['(', { var: 'a' }, 1, null, [2, 3], ')', { var: 'b' }, { var: 'c' }, '!'],
    });
    expect(cat({ a: 'x', b: [true], c: null })).toBe('(x12,3)true!');
    expect(compileExpression({ cat: ['a', 1, 'b'] })(null)).toBe('a1b');
    expect(compileExpression({ cat: { var: 'list' } })({ list: ['p', 'q'] })).toBe('pq');
  });

  it('still enforces the string length limit at run time, also on literal text', () => {
    const options = { limits: { maxStringLength: 5 } };
    const literal = compileExpression({ cat: ['abc', 'def'] }, options);
    expect(() => literal(null)).toThrow(ExpressionLimitError);
    const mixed = compileExpression({ cat: ['abc', { var: 'x' }] }, options);
    expect(mixed({ x: 'd' })).toBe('abcd');
    expect(() => mixed({ x: 'def' })).toThrow(ExpressionLimitError);
  });
});

describe('comparisons against a literal', () => {
  it.each([
    [{ '==': [{ var: 'x' }, 'A'] }, { x: 'A' }, true],
    [{ '==': [{ var: 'x' }, 'A'] }, { x: null }, false],
    [{ '==': [{ var: 'x' }, 1] }, { x: '1' }, true],
    [{ '==': [{ var: 'x' }, 0] }, {}, true],
    [{ '!=': [{ var: 'x' }, 'A'] }, { x: 'B' }, true],
    [{ '===': [{ var: 'x' }, 1] }, { x: '1' }, false],
    [{ '!==': [{ var: 'x' }, 1] }, { x: '1' }, true],
    [{ '<': [{ var: 'x' }, 10] }, { x: '9' }, true],
    [{ '<=': [{ var: 'x' }, 'b'] }, { x: 'b' }, true],
    [{ '>': [{ var: 'x' }, 'b'] }, { x: 'a' }, false],
    [{ '>=': [{ var: 'x' }, 10] }, { x: 10 }, true],
  ])('%j on %j is %s', (expression, data, expected) => {
    expect(compileExpression(expression)(data)).toBe(expected);
  });

  it('fails with NaN when the sides cannot be compared', () => {
    expect(typeOf(() => compileExpression({ '==': [{ var: 'x' }, 'A'] })({ x: 1 }))).toBe('NaN');
    expect(typeOf(() => compileExpression({ '>': [{ var: 'x' }, 1] })({ x: [1] }))).toBe('NaN');
  });
});

describe('if chains', () => {
  const tier = compileExpression({
    if: [{ '>': [{ var: 'v' }, 50] }, 'gold', { '>': [{ var: 'v' }, 10] }, 'silver', 'bronze'],
  });

  it.each([
    [60, 'gold'],
    [20, 'silver'],
    [5, 'bronze'],
  ])('literal branches: %s is %s', (v, expected) => {
    expect(tier({ v })).toBe(expected);
  });

  it('treats an empty array as false and evaluates only the chosen branch', () => {
    const chosen = compileExpression({
      if: [{ var: 'a' }, { throw: 'first' }, [], 'no', { var: 'b' }, 'yes', 'else'],
    });
    expect(chosen({ a: [], b: 1 })).toBe('yes');
    expect(chosen({ a: [], b: 0 })).toBe('else');
    expect(typeOf(() => chosen({ a: [1] }))).toBe('first');
    const evaluated = compileExpression({
      if: [{ var: 'a' }, { var: 'x' }, { var: 'b' }, { var: 'y' }, { var: 'z' }],
    });
    expect(evaluated({ a: 0, b: 'yes', x: 1, y: 2, z: 3 })).toBe(2);
    expect(evaluated({ a: 0, b: '', x: 1, y: 2, z: 3 })).toBe(3);
    expect(compileExpression({ if: [{ var: 'a' }, 'y', 'n'] })({ a: [] })).toBe('n');
  });
});
