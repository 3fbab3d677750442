import { ExpressionEvaluationError } from './expression-error.js';
import { startRun } from './limits.js';
import type { Evaluator, Limits, Run } from './types.js';

/** Where an operation sits in the expression being compiled. */
export interface OperationSite {
  readonly name: string;
  /** JSON pointer of the operation object, e.g. `/if/1`. */
  readonly pointer: string;
  /** JSON pointer of the operation's argument, e.g. `/if/1/cat`. */
  readonly argPointer: string;
  readonly depth: number;
}

/** What an operation sees of the compiler while it compiles its arguments. */
export interface Builder {
  readonly limits: Limits;
  /** Compiles a child expression (validating it and recording its problems). */
  child(node: unknown, pointer: string, depth: number): Evaluator;
  /** Records a problem; compilation continues so that every problem is reported. */
  problem(pointer: string, message: string): void;
  /** Validates literal JSON data (not evaluated) and returns a frozen copy. */
  data(value: unknown, pointer: string, depth: number): unknown;
  /** An evaluator returning `value`, marked as constant for folding. */
  constant(value: unknown): Evaluator;
  /** `{ value }` when `evaluator` is a constant, `undefined` otherwise. */
  constantOf(evaluator: Evaluator): { readonly value: unknown } | undefined;
  /**
   * The slot of `Run.reads` remembering the value at `path` (keys) of the evaluation's data: the
   * same path always gets the same slot, so repeated reads across a mapping read the data once.
   */
  readSlot(path: readonly string[]): number;
}

/** One operation of the language: validates and compiles its argument into an evaluator. */
export interface Operation {
  readonly name: string;
  compile(arg: unknown, site: OperationSite, builder: Builder): Evaluator;
}

export function pointerTo(base: string, segment: string | number): string {
  const text = String(segment);
  return `${base}/${text.includes('~') || text.includes('/') ? text.replaceAll('~', '~0').replaceAll('/', '~1') : text}`;
}

function arityText(min: number, max: number): string {
  if (min === max) return `exactly ${min} argument${min === 1 ? '' : 's'}`;
  if (max === Number.POSITIVE_INFINITY) return `at least ${min} argument${min === 1 ? '' : 's'}`;
  return `${min} to ${max} arguments`;
}

/**
 * For operations that take a literal array of arguments (`if`, `and`, `map`, comparisons...):
 * compiles each argument, or records a problem and returns `undefined`.
 */
export function argumentList(
  arg: unknown,
  site: OperationSite,
  builder: Builder,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): Evaluator[] | undefined {
  if (!Array.isArray(arg)) {
    builder.problem(site.argPointer, `"${site.name}" expects an array of arguments`);
    return undefined;
  }
  const evaluators = arg.map((item, i) =>
    builder.child(item, pointerTo(site.argPointer, i), site.depth + 1),
  );
  if (arg.length < min || arg.length > max) {
    builder.problem(
      site.argPointer,
      `"${site.name}" takes ${arityText(min, max)}, got ${arg.length}`,
    );
    return undefined;
  }
  return evaluators;
}

export interface EagerSpec {
  readonly name: string;
  readonly min?: number;
  readonly max?: number;
  /**
   * Whether one operation as the argument supplies the argument list (`{"max": {"var": "xs"}}`).
   * JSON-logic operations chain; Junction's library operations take it as their first argument.
   */
  readonly chain?: boolean;
  /** Applies the operation to its evaluated arguments. */
  readonly apply: (values: unknown[], run: Run, pointer: string) => unknown;
  /** Fast path for one argument. */
  readonly unary?: (a: unknown, run: Run, pointer: string) => unknown;
  /** Fast path for two arguments. */
  readonly binary?: (a: unknown, b: unknown, run: Run, pointer: string) => unknown;
  /** Fast path for four arguments. */
  readonly quaternary?: (
    a: unknown,
    b: unknown,
    c: unknown,
    d: unknown,
    run: Run,
    pointer: string,
  ) => unknown;
  /** Fast path for three arguments. */
  readonly ternary?: (a: unknown, b: unknown, c: unknown, run: Run, pointer: string) => unknown;
}

/**
 * An operation whose arguments are all evaluated first. The argument may be an array of
 * expressions, a single literal (`{"+": 1}` is `{"+": [1]}`), or a single operation whose result,
 * when an array, is the argument list (chaining: `{"max": {"var": "prices"}}`).
 */
export function eager(spec: EagerSpec): Operation {
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.POSITIVE_INFINITY;
  const { apply } = spec;
  return {
    name: spec.name,
    compile(arg, site, builder) {
      const p = site.pointer;
      const chain = spec.chain ?? true;
      if (
        chain &&
        arg !== null &&
        typeof arg === 'object' &&
        !Array.isArray(arg) &&
        isOperationNode(arg)
      ) {
        const source = builder.child(arg, site.argPointer, site.depth + 1);
        return (data, scope, run) => {
          const result = source(data, scope, run);
          const values = Array.isArray(result) ? result : [result];
          if (values.length < min || values.length > max) {
            throw invalidArgumentCount(spec.name, p, min, max, values.length);
          }
          return apply(values, run, p);
        };
      }
      const list = argumentList(Array.isArray(arg) ? arg : [arg], site, builder, min, max);
      if (list === undefined) return builder.constant(null);
      const evaluator = eagerEvaluator(spec, list, p);
      return list.every((a) => builder.constantOf(a) !== undefined)
        ? foldConstant(builder, evaluator)
        : evaluator;
    },
  };
}

function isOperationNode(node: object): boolean {
  return Object.keys(node).length === 1;
}

function invalidArgumentCount(
  name: string,
  pointer: string,
  min: number,
  max: number,
  got: number,
) {
  return new ExpressionEvaluationError(
    'Invalid Arguments',
    pointer,
    `"${name}" takes ${arityText(min, max)}, got ${got}`,
  );
}

function eagerEvaluator(spec: EagerSpec, list: Evaluator[], p: string): Evaluator {
  const { apply, unary, binary, ternary, quaternary } = spec;
  let evaluator: Evaluator;
  if (list.length === 1 && unary) {
    const a = list[0] as Evaluator;
    evaluator = (d, s, r) => unary(a(d, s, r), r, p);
  } else if (list.length === 2 && binary) {
    const a = list[0] as Evaluator;
    const b = list[1] as Evaluator;
    evaluator = (d, s, r) => binary(a(d, s, r), b(d, s, r), r, p);
  } else if (list.length === 3 && ternary) {
    const a = list[0] as Evaluator;
    const b = list[1] as Evaluator;
    const c = list[2] as Evaluator;
    evaluator = (d, s, r) => ternary(a(d, s, r), b(d, s, r), c(d, s, r), r, p);
  } else if (list.length === 4 && quaternary) {
    const [a, b, c, e] = list as [Evaluator, Evaluator, Evaluator, Evaluator];
    evaluator = (d, s, r) => quaternary(a(d, s, r), b(d, s, r), c(d, s, r), e(d, s, r), r, p);
  } else {
    const n = list.length;
    evaluator = (d, s, r) => {
      const values = new Array<unknown>(n);
      for (let i = 0; i < n; i++) values[i] = (list[i] as Evaluator)(d, s, r);
      return apply(values, r, p);
    };
  }
  return evaluator;
}

/** Evaluates a constant operation once at compile time; an error stays a run-time error. */
export function foldConstant(builder: Builder, evaluator: Evaluator): Evaluator {
  try {
    const value = evaluator(null, null, startRun(builder.limits));
    if (value !== null && typeof value === 'object') deepFreeze(value);
    return builder.constant(value);
  } catch {
    return evaluator;
  }
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
