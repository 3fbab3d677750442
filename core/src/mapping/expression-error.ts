import type { Limits, Problem } from './types.js';

/** An expression or mapping failed validation; `problems` lists every problem found. */
export class ExpressionValidationError extends Error {
  readonly kind = 'invalid-expression';
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(`invalid expression: ${first ? `${first.pointer || '/'}: ${first.message}` : ''}${more}`);
    this.name = 'ExpressionValidationError';
    this.problems = problems;
  }
}

/**
 * Evaluation failed the way JSON-logic defines failures: `type` is `NaN`, `Invalid Arguments`,
 * `Invalid Date`, or the type given to `throw`. A `try` operation recovers from these.
 */
export class ExpressionEvaluationError extends Error {
  readonly kind = 'evaluation-failed';
  readonly type: string;
  readonly pointer: string;

  constructor(type: string, pointer: string, message?: string, options?: ErrorOptions) {
    super(`${pointer || '/'}: ${message ?? type}`, options);
    this.name = 'ExpressionEvaluationError';
    this.type = type;
    this.pointer = pointer;
  }
}

/** Evaluation hit one of the configured limits. No `try` recovers from it. */
export class ExpressionLimitError extends Error {
  readonly kind = 'limit-exceeded';
  readonly limit: keyof Limits;
  readonly pointer: string;

  constructor(limit: keyof Limits, pointer: string, message: string) {
    super(`${pointer || '/'}: ${message} (limit ${limit})`);
    this.name = 'ExpressionLimitError';
    this.limit = limit;
    this.pointer = pointer;
  }
}

export function invalidArguments(pointer: string, message: string): ExpressionEvaluationError {
  return new ExpressionEvaluationError('Invalid Arguments', pointer, message);
}

export function notANumber(pointer: string, message = 'not a number'): ExpressionEvaluationError {
  return new ExpressionEvaluationError('NaN', pointer, message);
}

const SHOWN_TEXT = 60;

/**
 * A value as an error message shows it, in bounded time and length: a long text is cut, an array
 * or object is named, never serialised (a 30,000-key object would cost milliseconds and fill the
 * run's error with data).
 *
 * @example
 * ```ts
 * shownValue('x'.repeat(1000)); // "xxx…" (60 characters, then …)
 * shownValue({ a: 1 });         // an object
 * ```
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > SHOWN_TEXT ? `${value.slice(0, SHOWN_TEXT)}…` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}
