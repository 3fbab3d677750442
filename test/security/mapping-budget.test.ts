import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  ExpressionEvaluationError,
  ExpressionLimitError,
  operationNames,
  validateExpression,
} from '../../core/src/mapping/index.js';
import { seededRandom } from '../support/seeded-random.js';
import { attacks, outOfRange, oversizedResults, partners } from './mapping-attacks.js';

/**
 * Every mapping operation, fed adversarial inputs, runs in time linear in its input. A
 * benchmark-style harness, not a timed assertion: each expression is evaluated on inputs of size
 * `small` and `large` (16 times larger), best of three runs each, and fails only when the large
 * evaluation is both slow in absolute terms (over `floorMs`) and grew more than `maxGrowth` times
 * (linear is 16, quadratic 256). On a loaded machine both runs slow down together; the ratio holds.
 */
const small = 2_000;
const large = small * 16;
const maxGrowth = 64;
const floorMs = 50;
const combinationsPerArity = 10;

const slots = [...attacks.map((_, i) => `a${i}`), ...partners.map((_, i) => `p${i}`)];

function dataOf(n: number): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  attacks.forEach((attack, i) => {
    data[`a${i}`] = attack.value(n);
  });
  partners.forEach((partner, i) => {
    data[`p${i}`] = partner;
  });
  return data;
}

function outcome(run: () => unknown): string {
  try {
    run();
    return 'value';
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) return 'evaluation error';
    if (error instanceof ExpressionLimitError) return `limit ${error.limit}`;
    return `crash: ${String(error)}`;
  }
}

function bestOf(times: number, run: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    outcome(run);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe('bounded evaluation of every operation', () => {
  const smallData = dataOf(small);
  const largeData = dataOf(large);

  it('runs in time linear in its input and never crashes, on adversarial inputs', () => {
    const next = seededRandom(18);
    const pick = () => slots[Math.floor(next() * slots.length)] as string;
    const tried: string[] = [];
    const crashes: string[] = [];
    const superlinear: string[] = [];
    for (const name of operationNames()) {
      for (let arity = 1; arity <= 4; arity++) {
        const args = Array.from({ length: arity }, (_, i) => ({ var: `a${i}` }));
        if (validateExpression({ [name]: args } as never).length > 0) continue;
        for (let c = 0; c < combinationsPerArity; c++) {
          // The first arguments are adversarial more often: they are what most operations read.
          const chosen = Array.from({ length: arity }, (_, i) =>
            i === 0 || next() < 0.4 ? `a${Math.floor(next() * attacks.length)}` : pick(),
          );
          const expression = { [name]: chosen.map((slot) => ({ var: slot })) };
          const label = JSON.stringify(expression);
          const evaluate = compileExpression(expression as never);
          tried.push(label);
          const result = outcome(() => evaluate(largeData));
          if (result.startsWith('crash')) crashes.push(`${label}: ${result}`);
          const largeMs = bestOf(3, () => evaluate(largeData));
          if (largeMs <= floorMs) continue;
          const smallMs = Math.max(
            bestOf(3, () => evaluate(smallData)),
            0.05,
          );
          if (largeMs / smallMs > maxGrowth) {
            superlinear.push(`${label}: ${smallMs.toFixed(2)} ms -> ${largeMs.toFixed(2)} ms`);
          }
        }
      }
    }
    expect(crashes).toEqual([]);
    expect(superlinear).toEqual([]);
    expect(tried.length).toBeGreaterThan(operationNames().length * combinationsPerArity);
  }, 600_000);

  it.each(attacks.map((a) => a.name))(
    'number_parse and date_parse stay linear on "%s"',
    (attackName) => {
      const attack = attacks.find((a) => a.name === attackName);
      const value = attack?.value(large * 4);
      for (const expression of [
        { number_parse: [{ var: 'v' }] },
        { number_parse: [{ var: 'v' }, ','] },
        { date_parse: [{ var: 'v' }] },
        { date_parse: [{ var: 'v' }, 'yyyy-MM-dd HH:mm'] },
        { date_parse: ['1'.repeat(40), { var: 'v' }] },
        { date_parse: [{ var: 'v' }, { var: 'v' }] },
      ]) {
        const evaluate = compileExpression(expression as never);
        expect(outcome(() => evaluate({ v: value }))).not.toMatch(/^crash/);
      }
    },
  );

  it('parses the 28-token pattern that took 14.7 s', () => {
    const pattern = 'HmHmHmHmHmHmHmHmHmHmHmHmHmHm';
    const evaluate = compileExpression({ date_parse: [{ var: 't' }, pattern] });
    expect(outcome(() => evaluate({ t: `${'1'.repeat(40)}x` }))).toBe('evaluation error');
    expect(outcome(() => evaluate({ t: '1'.repeat(28) }))).toBe('value');
  });

  it('still parses the numbers and dates it parsed before', () => {
    const num = compileExpression({ number_parse: [{ var: 't' }, { var: 's' }] });
    expect(num({ t: ' 1,234.50 ', s: '.' })).toBe(1234.5);
    expect(num({ t: '1.234,50', s: ',' })).toBe(1234.5);
    expect(num({ t: '-.5e3', s: '.' })).toBe(-500);
    expect(num({ t: '+12.', s: '.' })).toBe(12);
    expect(num({ t: '.', s: '.' })).toBeNull();
    expect(num({ t: '1e', s: '.' })).toBeNull();
    expect(num({ t: '1e+', s: '.' })).toBeNull();
    expect(num({ t: '12abc', s: '.' })).toBeNull();
    const date = compileExpression({ date_parse: [{ var: 't' }, { var: 'p' }, 'UTC'] });
    expect(date({ t: '01/03/2024 9:05 pm', p: 'dd/MM/yyyy h:mm a' })).toBe(
      '2024-03-01T21:05:00.000Z',
    );
    expect(date({ t: '2024031', p: 'yyyyMd' })).toBe('2024-03-01T00:00:00.000Z');
    expect(date({ t: '20241231', p: 'yyyyMd' })).toBe('2024-12-31T00:00:00.000Z');
    expect(date({ t: 'at 2024-03-01', p: "'at' yyyy-MM-dd" })).toBe('2024-03-01T00:00:00.000Z');
    expect(outcome(() => date({ t: '2024-13-01', p: 'yyyy-MM-dd' }))).toBe('evaluation error');
  });

  it.each(oversizedResults)('$name: a limit error naming $limit', ({ expression, limit }) => {
    expect(outcome(() => compileExpression(expression as never)(null))).toBe(`limit ${limit}`);
  });

  it.each(outOfRange)('$name: an evaluation error', ({ expression }) => {
    expect(outcome(() => compileExpression(expression as never)(null))).toBe('evaluation error');
  });
});
