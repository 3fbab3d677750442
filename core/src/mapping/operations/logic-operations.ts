import { truthy } from '../coerce.js';
import { ExpressionEvaluationError } from '../expression-error.js';
import { argumentList, eager, type Operation } from '../operation.js';
import type { Evaluator } from '../types.js';

/** `{"if": [cond, then, cond2, then2, ..., else]}`; `?:` is the same operation. */
function conditional(name: string): Operation {
  return {
    name,
    compile(arg, site, builder) {
      const list = argumentList(arg, site, builder);
      if (list === undefined) return builder.constant(null);
      if (list.length === 0) return builder.constant(null);
      if (list.length === 1) return list[0] as Evaluator;
      const none = builder.constant(null);
      if (list.length <= 3) {
        const test = list[0] as Evaluator;
        const then = list[1] as Evaluator;
        const otherwise = list[2] ?? none;
        const fixedThen = builder.constantOf(then);
        const fixedOtherwise = builder.constantOf(otherwise);
        if (fixedThen !== undefined && fixedOtherwise !== undefined) {
          const v1 = fixedThen.value;
          const v2 = fixedOtherwise.value;
          return (d, s, r) => (isTrue(test(d, s, r)) ? v1 : v2);
        }
        return (d, s, r) => (isTrue(test(d, s, r)) ? then(d, s, r) : otherwise(d, s, r));
      }
      const last = list.length % 2 === 1 ? (list[list.length - 1] as Evaluator) : none;
      const pairs = list.length - (list.length % 2);
      const tests = list.filter((_, i) => i % 2 === 0 && i < pairs);
      const branches = list.filter((_, i) => i % 2 === 1);
      const results = [...branches, last].map((b) => builder.constantOf(b));
      if (results.every((c) => c !== undefined)) {
        // The usual value mapping: every branch a literal, only the tests evaluated.
        const values = results.map((c) => c?.value);
        const n = tests.length;
        if (n === 2) {
          const [t1, t2] = tests as [Evaluator, Evaluator];
          const [v1, v2, v3] = values;
          return (d, s, r) => (isTrue(t1(d, s, r)) ? v1 : isTrue(t2(d, s, r)) ? v2 : v3);
        }
        const otherwise = values[n];
        return (d, s, r) => {
          for (let i = 0; i < n; i++)
            if (isTrue((tests[i] as Evaluator)(d, s, r))) return values[i];
          return otherwise;
        };
      }
      if (list.length === 5) {
        const [t1, b1, t2, b2, b3] = list as [
          Evaluator,
          Evaluator,
          Evaluator,
          Evaluator,
          Evaluator,
        ];
        return (d, s, r) =>
          isTrue(t1(d, s, r)) ? b1(d, s, r) : isTrue(t2(d, s, r)) ? b2(d, s, r) : b3(d, s, r);
      }
      return (d, s, r) => {
        for (let i = 0; i < pairs; i += 2) {
          if (truthy((list[i] as Evaluator)(d, s, r))) return (list[i + 1] as Evaluator)(d, s, r);
        }
        return last(d, s, r);
      };
    },
  };
}

/** Truthiness with the common boolean case first (tests are usually comparisons). */
function isTrue(value: unknown): boolean {
  return value === true || (value !== false && truthy(value));
}

export const ifOperation = conditional('if');
export const ternaryOperation = conditional('?:');

/** `and`: the first falsy value, else the last value; `or`: the first truthy, else the last. */
function junction(name: 'and' | 'or'): Operation {
  const stopOn = name === 'or';
  return {
    name,
    compile(arg, site, builder) {
      const list = argumentList(arg, site, builder);
      if (list === undefined) return builder.constant(null);
      if (list.length === 0) return builder.constant(false);
      if (list.length === 1) return list[0] as Evaluator;
      if (list.length === 2) {
        const a = list[0] as Evaluator;
        const b = list[1] as Evaluator;
        return (d, s, r) => {
          const first = a(d, s, r);
          return truthy(first) === stopOn ? first : b(d, s, r);
        };
      }
      return (d, s, r) => {
        let value: unknown = false;
        for (const item of list) {
          value = item(d, s, r);
          if (truthy(value) === stopOn) return value;
        }
        return value;
      };
    },
  };
}

export const andOperation = junction('and');
export const orOperation = junction('or');

/** `{"!": x}` / `{"!": [x]}`: negated truthiness; `!!` is truthiness. */
function negation(name: '!' | '!!'): Operation {
  const negate = name === '!';
  return eager({
    name,
    max: 1,
    apply: (values) => truthy(values[0]) !== negate,
    unary: (a) => truthy(a) !== negate,
  });
}

export const notOperation = negation('!');
export const truthyOperation = negation('!!');

/** `{"??": [a, b, ...]}`: the first value that is not null. */
export const nullishOperation: Operation = {
  name: '??',
  compile(arg, site, builder) {
    const list = argumentList(arg, site, builder);
    if (list === undefined) return builder.constant(null);
    return (d, s, r) => {
      for (const item of list) {
        const value = item(d, s, r);
        if (value !== null && value !== undefined) return value;
      }
      return null;
    };
  },
};

/** `{"preserve": value}`: the value as literal data, never evaluated. */
export const preserveOperation: Operation = {
  name: 'preserve',
  compile(arg, site, builder) {
    return builder.constant(builder.data(arg, site.argPointer, site.depth + 1));
  },
};

/** `{"throw": type}` or `{"throw": {"type": ...}}`: fails with that error type. */
export const throwOperation = eager({
  name: 'throw',
  min: 1,
  max: 1,
  apply: ([value], _run, pointer) => {
    const type =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>).type
        : value;
    throw new ExpressionEvaluationError(String(type), pointer, `thrown: ${String(type)}`);
  },
});

/**
 * `{"try": [a, b, ...]}`: the first argument that evaluates without an evaluation error. After
 * an error, the next argument reads `{"type": <error type>}` as its data. Limit errors are never
 * caught.
 */
export const tryOperation: Operation = {
  name: 'try',
  compile(arg, site, builder) {
    const list = argumentList(Array.isArray(arg) ? arg : [arg], site, builder, 1);
    if (list === undefined) return builder.constant(null);
    return (data, scope, run) => {
      let error: ExpressionEvaluationError | undefined;
      for (const item of list) {
        try {
          return error === undefined
            ? item(data, scope, run)
            : item(
                { type: error.type },
                { value: null, parent: { value: data, parent: scope } },
                run,
              );
        } catch (caught) {
          if (!(caught instanceof ExpressionEvaluationError)) throw caught;
          error = caught;
        }
      }
      throw error;
    };
  },
};
