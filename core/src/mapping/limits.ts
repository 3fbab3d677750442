import { ExpressionLimitError } from './expression-error.js';
import type { Limits, Run } from './types.js';

/** The bounds used when a caller does not choose its own. */
export const defaultLimits: Limits = Object.freeze({
  maxDepth: 32,
  maxNodes: 2_000,
  maxItems: 100_000,
  maxStringLength: 1_000_000,
  timeBudgetMs: 250,
});

export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  if (overrides === undefined) return defaultLimits;
  const limits = { ...defaultLimits, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0)) {
      throw new RangeError(`limit ${name} must be a positive number, got ${String(value)}`);
    }
  }
  return Object.freeze(limits);
}

const noRoot = Object.freeze({});

/**
 * A new evaluation of `root` with `readSlots` remembered reads. The clock starts at the first
 * iteration (only iterations can run long).
 */
export function startRun(limits: Limits, root: unknown = noRoot, readSlots = 0): Run {
  return { items: 0, deadline: 0, limits, root, reads: new Array<unknown>(readSlots) };
}

/** Counts `count` iterated items against the budget; checks the clock every 64 items. */
export function chargeItems(run: Run, count: number, pointer: string): void {
  const before = run.items;
  run.items = before + count;
  if (run.items > run.limits.maxItems) {
    throw new ExpressionLimitError(
      'maxItems',
      pointer,
      `more than ${run.limits.maxItems} items iterated in one evaluation`,
    );
  }
  if (run.deadline === 0) run.deadline = Date.now() + run.limits.timeBudgetMs;
  else if (before >>> 6 !== run.items >>> 6 && Date.now() > run.deadline) {
    throw new ExpressionLimitError(
      'timeBudgetMs',
      pointer,
      `evaluation took longer than ${run.limits.timeBudgetMs} ms`,
    );
  }
}

/** Returns `text` if it fits the string length limit; throws otherwise. */
export function checkString(run: Run, text: string, pointer: string): string {
  if (text.length > run.limits.maxStringLength) {
    throw new ExpressionLimitError(
      'maxStringLength',
      pointer,
      `produced a string of ${text.length} characters, more than ${run.limits.maxStringLength}`,
    );
  }
  return text;
}

/**
 * The limit error for what the JavaScript engine refused while evaluating: a string or array
 * longer than it can build (`maxStringLength`, `maxItems`), or a recursion deeper than its stack
 * (data nested too deep, `maxDepth`). Other errors are returned as they are.
 */
export function asLimitError(error: unknown, pointer: string): unknown {
  if (!(error instanceof RangeError)) return error;
  if (/string length/i.test(error.message)) {
    return new ExpressionLimitError(
      'maxStringLength',
      pointer,
      'produced a string too long to build',
    );
  }
  if (/array length/i.test(error.message)) {
    return new ExpressionLimitError('maxItems', pointer, 'produced an array too long to build');
  }
  if (/call stack/i.test(error.message)) {
    return new ExpressionLimitError('maxDepth', pointer, 'read data nested too deep to evaluate');
  }
  return error;
}
