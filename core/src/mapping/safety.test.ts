import { describe, expect, it } from 'vitest';
import { compileExpression, validateExpression } from './compile-expression.js';
import { ExpressionLimitError, ExpressionValidationError } from './expression-error.js';
import type { Expression } from './types.js';

function limitOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressionLimitError) return error.limit;
    throw error;
  }
  return undefined;
}

describe('prototype and method attacks', () => {
  const data = { user: { name: 'Ada' }, list: [1, 2] };
  it.each([
    'constructor',
    'constructor.prototype',
    '__proto__',
    '__proto__.polluted',
    'toString',
    'user.constructor',
    'user.__proto__',
    'user.hasOwnProperty',
    'list.map',
    'list.constructor',
    'user.name.constructor',
    'valueOf',
  ])('{"var": "%s"} reads null or the default', (path) => {
    expect(compileExpression({ var: path })(data)).toBeNull();
    expect(compileExpression({ var: [path, 'default'] })(data)).toBe('default');
    expect(compileExpression({ val: path.split('.') })(data)).toBeNull();
    expect(compileExpression({ exists: path.split('.') })(data)).toBe(false);
  });

  it('reads own properties named like built-ins when they are data', () => {
    const json = JSON.parse('{"constructor": "c", "__proto__": {"x": 1}, "toString": 5}');
    expect(compileExpression({ var: 'constructor' })(json)).toBe('c');
    expect(compileExpression({ var: '__proto__.x' })(json)).toBe(1);
    expect(compileExpression({ var: 'toString' })(json)).toBe(5);
  });

  it('never returns functions held by data', () => {
    expect(compileExpression({ var: 'f' })({ f: () => 1 })).toBeNull();
  });

  it('refuses method and log', () => {
    expect(validateExpression({ method: ['abc', 'toUpperCase'] })).toEqual([
      { pointer: '', message: 'operation "method" is not allowed: it calls JavaScript methods' },
    ]);
    expect(validateExpression({ log: 1 })[0]?.message).toMatch(/not allowed/);
  });

  it('writes __proto__ as an own data key without touching prototypes', () => {
    const out = compileExpression({ object: [['__proto__', { preserve: { polluted: true } }]] })(
      null,
    ) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validation', () => {
  it('lists every problem with a JSON pointer', () => {
    const problems = validateExpression({
      if: [{ nope: 1 }, { upper: [] }, { '<': [1] }, { 'a/b': 2 }],
    });
    expect(problems).toEqual([
      { pointer: '/if/0', message: 'unknown operation "nope"' },
      { pointer: '/if/1/upper', message: '"upper" takes exactly 1 argument, got 0' },
      { pointer: '/if/2/<', message: '"<" takes at least 2 arguments, got 1' },
      { pointer: '/if/3', message: 'unknown operation "a/b"' },
    ]);
    expect(() => compileExpression({ nope: 1 })).toThrow(ExpressionValidationError);
  });

  it('refuses operations outside an allow list or in a deny list', () => {
    expect(validateExpression({ throw: 'x' }, { deny: ['throw'] })).toEqual([
      { pointer: '', message: 'operation "throw" is not allowed here' },
    ]);
    expect(validateExpression({ cat: ['a'] }, { allow: ['var'] })[0]?.message).toMatch(
      /not allowed/,
    );
  });

  it('refuses expressions nested too deep', () => {
    let deep: Expression = 1;
    for (let i = 0; i < 40; i++) deep = { '!': [deep] };
    const problems = validateExpression(deep);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/nested deeper than 32 levels \(limit maxDepth\)/);
  });

  it('refuses expressions with too many nodes', () => {
    const big = { cat: Array.from({ length: 50 }, (_, i) => i) };
    expect(validateExpression(big, { limits: { maxNodes: 20 } })[0]?.message).toMatch(
      /more than 20 nodes \(limit maxNodes\)/,
    );
  });
});

describe('evaluation limits', () => {
  it('bounds the items iterated across the whole evaluation', () => {
    const nested = compileExpression(
      { map: [{ var: 'xs' }, { map: [{ val: [[2], 'xs'] }, 1] }] } as Expression,
      { limits: { maxItems: 1_000 } },
    );
    const xs = Array.from({ length: 40 }, (_, i) => i);
    expect(limitOf(() => nested({ xs }))).toBe('maxItems');
    expect(limitOf(() => nested({ xs: xs.slice(0, 20) }))).toBeUndefined();
  });

  it('bounds the length of produced strings', () => {
    const doubling = compileExpression(
      { cat: [{ var: 's' }, { var: 's' }] },
      { limits: { maxStringLength: 100 } },
    );
    expect(limitOf(() => doubling({ s: 'x'.repeat(60) }))).toBe('maxStringLength');
    expect(limitOf(() => compileExpression({ pad_start: ['x', 1e9, '-'] })(null))).toBe(
      'maxStringLength',
    );
  });

  it('bounds evaluation time (checked inside iterations)', () => {
    const slow = compileExpression(
      {
        reduce: [
          { var: 'xs' },
          { reduce: [{ val: [[2], 'xs'] }, { '+': [{ var: 'accumulator' }, 1] }, 0] },
          0,
        ],
      } as Expression,
      { limits: { timeBudgetMs: 5, maxItems: 1e12 } },
    );
    const xs = Array.from({ length: 3_000 }, (_, i) => i);
    expect(limitOf(() => slow({ xs }))).toBe('timeBudgetMs');
  });

  it('is not caught by try', () => {
    const guarded = compileExpression(
      { try: [{ map: [{ var: 'xs' }, 1] }, 'caught'] },
      { limits: { maxItems: 2 } },
    );
    expect(limitOf(() => guarded({ xs: [1, 2, 3] }))).toBe('maxItems');
  });

  it('rejects nonsense limits', () => {
    expect(() => compileExpression(1, { limits: { maxDepth: -1 } })).toThrow(RangeError);
  });
});
