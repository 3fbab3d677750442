import type { DiscrepancyKind } from '../db/tables/rollout-tables.js';

/** One difference between what a shadow run would have written and what the target holds. */
export interface Finding {
  readonly kind: DiscrepancyKind;
  /** JSON pointer into the intended input, for `field`. */
  readonly field: string | null;
  readonly intended: unknown;
  readonly actual: unknown;
}

/**
 * What the target's record (`actual`: the action's `current()`, in the shape of its input, or
 * null when there is none) says about an intended call. `intended`: `write` (the shadow run would
 * have made it) or `none` (its rules skipped the record). A delete is intended to leave no
 * record: one still there is extra. A record the run would have skipped is extra too. A write
 * whose record is missing is `missing`; otherwise each intended value the target holds
 * differently is a `field` discrepancy. Values compare as the same data, not the same text: a
 * number and a numeric string of the same number, and two ISO 8601 timestamps of the same
 * instant, are equal.
 */
export function compareRecord(options: {
  readonly input: Record<string, unknown>;
  readonly actual: Record<string, unknown> | null;
  readonly intended: 'write' | 'none';
  readonly actionKind: string;
}): Finding[] {
  const { input, actual } = options;
  const removes = options.intended === 'none' || options.actionKind === 'delete';
  if (removes)
    return actual === null ? [] : [{ kind: 'extra', field: null, intended: null, actual }];
  if (actual === null) return [{ kind: 'missing', field: null, intended: input, actual: null }];
  const findings: Finding[] = [];
  const walk = (want: unknown, have: unknown, pointer: string) => {
    if (isPlainObject(want) && isPlainObject(have)) {
      for (const key of Object.keys(want))
        walk(want[key], have[key], `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      return;
    }
    if (!sameValue(want, have))
      findings.push({
        kind: 'field',
        field: pointer,
        intended: want ?? null,
        actual: have ?? null,
      });
  };
  walk(input, actual, '');
  return findings;
}

const isoInstant =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const numeric = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether two values are the same data (see compareRecord). */
export function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'number' && typeof b === 'string') return sameNumber(a, b);
  if (typeof a === 'string' && typeof b === 'number') return sameNumber(b, a);
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return true;
    if (isoInstant.test(a) && isoInstant.test(b)) {
      const x = Date.parse(a);
      return Number.isFinite(x) && x === Date.parse(b);
    }
    return false;
  }
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

function sameNumber(n: number, text: string): boolean {
  return numeric.test(text.trim()) && Number(text) === n;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
