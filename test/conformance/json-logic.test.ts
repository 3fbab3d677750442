import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  type Expression,
  ExpressionEvaluationError,
  ExpressionValidationError,
} from '../../core/src/mapping/index.js';

/**
 * The JSON Logic community's conformance suites (json-logic/compat-tables, Apache-2.0), kept in
 * this folder so that every clone runs them. A machine of the project that holds a newer copy
 * beside the repository (`../shared/conformance/json-logic`) runs that one instead.
 */
const repoRoot = resolve(import.meta.dirname, '../..');
const shared = resolve(repoRoot, '../shared/conformance/json-logic/suites');
const suitesDir = existsSync(join(shared, 'index.json'))
  ? shared
  : resolve(import.meta.dirname, 'json-logic/suites');

/** Cases passing today: the test fails below this floor (json-logic-js passes 782 of 1138). */
const floor = 1138;

interface Case {
  readonly description?: string;
  readonly rule: Expression;
  readonly data?: unknown;
  readonly result?: unknown;
  readonly error?: { readonly type: string };
  readonly decimal?: boolean;
}

function passes(c: Case): boolean {
  try {
    const value = compileExpression(c.rule)(c.data ?? null);
    if (c.error !== undefined) return false;
    if (c.decimal && typeof value === 'number' && typeof c.result === 'number') {
      return Math.abs(value - c.result) < 1e-9;
    }
    return isDeepStrictEqual(value, c.result);
  } catch (error) {
    if (c.error === undefined) return false;
    if (error instanceof ExpressionEvaluationError) return error.type === c.error.type;
    // Invalid arguments written into the expression itself are refused when compiling.
    return error instanceof ExpressionValidationError && c.error.type === 'Invalid Arguments';
  }
}

describe('JSON-logic community conformance suites', () => {
  it(`passes at least ${floor} cases`, () => {
    const index = JSON.parse(readFileSync(join(suitesDir, 'index.json'), 'utf8')) as string[];
    const rows: { suite: string; passed: number; total: number }[] = [];
    const failures: string[] = [];
    for (const suite of index) {
      const entries = JSON.parse(readFileSync(join(suitesDir, suite), 'utf8')) as unknown[];
      const cases = entries.filter((e): e is Case => typeof e === 'object' && e !== null);
      let passed = 0;
      for (const c of cases) {
        if (passes(c)) passed++;
        else failures.push(`${suite}: ${c.description ?? JSON.stringify(c.rule)}`);
      }
      rows.push({ suite, passed, total: cases.length });
    }
    const passed = rows.reduce((sum, r) => sum + r.passed, 0);
    const total = rows.reduce((sum, r) => sum + r.total, 0);
    console.log(
      `${rows.map((r) => `${r.suite.padEnd(32)} ${r.passed}/${r.total}`).join('\n')}\nTOTAL ${passed}/${total}`,
    );
    if (failures.length > 0) console.log(`failing:\n${failures.join('\n')}`);
    expect(passed).toBeGreaterThanOrEqual(floor);
  });
});
