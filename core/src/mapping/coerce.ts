import { notANumber, shownValue } from './expression-error.js';

/** JSON-logic truthiness: like JavaScript, except that an empty array is false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/** Numeric value of a scalar (`"3"` -> 3, `true` -> 1, `null` -> 0); arrays and objects are NaN. */
export function toNumber(value: unknown, pointer: string): number {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object')
    throw notANumber(pointer, 'an array or object is not a number');
  const n = Number(value);
  if (Number.isNaN(n)) throw notANumber(pointer, `${shownValue(value)} is not a number`);
  return n;
}

/** Text of a value as `cat` joins it: null is empty, arrays are comma-joined, never user code. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(toText).join(',');
  return '[object Object]';
}
