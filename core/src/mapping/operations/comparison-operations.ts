import { toNumber } from '../coerce.js';
import { argumentList, type Operation } from '../operation.js';
import type { Evaluator } from '../types.js';

type Test = (a: unknown, b: unknown) => boolean;

function isTextual(value: unknown): boolean {
  return typeof value === 'string' || value === null;
}

/**
 * Loose comparison as the conformance suites define it: two strings (or null) compare as they
 * are; otherwise both sides must be numbers or numeric text, else the comparison fails with NaN.
 * After that coercion both sides have the same type, so `==` is `===` on them.
 */
function loose(test: Test): (a: unknown, b: unknown, pointer: string) => boolean {
  return (a, b, pointer) => {
    if (typeof a === 'number' && typeof b === 'number') return test(a, b);
    if (isTextual(a) && isTextual(b)) return test(a, b);
    return test(toNumber(a, pointer), toNumber(b, pointer));
  };
}

type Compare = (a: unknown, b: unknown, pointer: string) => boolean;

/**
 * A comparison against a literal (`{"==": [{"var": "status"}, "A"]}`, `{">": [{"var": "n"}, 10]}`):
 * one closure per operator, testing the usual same-type case directly and falling back to the
 * general coercion otherwise.
 */
function againstConstant(
  name: string,
  compare: Compare,
  a: Evaluator,
  right: unknown,
  p: string,
): Evaluator | undefined {
  const kind = typeof right;
  if (kind !== 'number' && kind !== 'string') return undefined;
  const c = right as number;
  switch (name) {
    case '==':
    case '===':
      return (d, s, r) => {
        const x = a(d, s, r);
        return typeof x === kind ? x === c : compare(x, c, p);
      };
    case '!=':
    case '!==':
      return (d, s, r) => {
        const x = a(d, s, r);
        return typeof x === kind ? x !== c : compare(x, c, p);
      };
    case '<':
      return (d, s, r) => {
        const x = a(d, s, r);
        return typeof x === kind ? (x as number) < c : compare(x, c, p);
      };
    case '<=':
      return (d, s, r) => {
        const x = a(d, s, r);
        return typeof x === kind ? (x as number) <= c : compare(x, c, p);
      };
    case '>':
      return (d, s, r) => {
        const x = a(d, s, r);
        return typeof x === kind ? (x as number) > c : compare(x, c, p);
      };
    case '>=':
      return (d, s, r) => {
        const x = a(d, s, r);
        return typeof x === kind ? (x as number) >= c : compare(x, c, p);
      };
    default:
      return undefined;
  }
}

function comparison(name: string, compare: Compare): Operation {
  return {
    name,
    compile(arg, site, builder) {
      const list = argumentList(arg, site, builder, 2);
      if (list === undefined) return builder.constant(null);
      const p = site.pointer;
      const a = list[0] as Evaluator;
      const b = list[1] as Evaluator;
      if (list.length === 2) {
        const fixed = builder.constantOf(b);
        if (fixed !== undefined) {
          const right = fixed.value;
          return (
            againstConstant(name, compare, a, right, p) ??
            ((d, s, r) => compare(a(d, s, r), right, p))
          );
        }
        return (d, s, r) => compare(a(d, s, r), b(d, s, r), p);
      }
      return (d, s, r) => {
        let previous = a(d, s, r);
        for (let i = 1; i < list.length; i++) {
          const current = (list[i] as Evaluator)(d, s, r);
          if (!compare(previous, current, p)) return false;
          previous = current;
        }
        return true;
      };
    },
  };
}

export const comparisonOperations: readonly Operation[] = [
  comparison(
    '==',
    loose((a, b) => a === b),
  ),
  comparison(
    '!=',
    loose((a, b) => a !== b),
  ),
  comparison('===', (a, b) => a === b),
  comparison('!==', (a, b) => a !== b),
  comparison(
    '<',
    loose((a, b) => (a as number) < (b as number)),
  ),
  comparison(
    '<=',
    loose((a, b) => (a as number) <= (b as number)),
  ),
  comparison(
    '>',
    loose((a, b) => (a as number) > (b as number)),
  ),
  comparison(
    '>=',
    loose((a, b) => (a as number) >= (b as number)),
  ),
];
