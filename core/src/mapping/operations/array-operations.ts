import { toText, truthy } from '../coerce.js';
import { invalidArguments, shownValue } from '../expression-error.js';
import { chargeItems } from '../limits.js';
import {
  argumentList,
  type Builder,
  eager,
  type Operation,
  type OperationSite,
} from '../operation.js';
import type { Evaluator, Run, Scope } from '../types.js';

interface Iteration {
  readonly collection: Evaluator;
  readonly body: Evaluator;
  readonly rest: readonly Evaluator[];
}

/** Compiles `[collection, body, ...rest]`, refusing a literal non-array collection or a null body. */
function iteration(
  arg: unknown,
  site: OperationSite,
  builder: Builder,
  max: number,
): Iteration | undefined {
  const list = argumentList(arg, site, builder, 2, max);
  if (list === undefined) return undefined;
  const [collection, body, ...rest] = list as [Evaluator, Evaluator, ...Evaluator[]];
  const fixed = builder.constantOf(collection);
  if (fixed !== undefined && !Array.isArray(fixed.value)) {
    builder.problem(
      `${site.argPointer}/0`,
      `"${site.name}" iterates an array, got ${shownValue(fixed.value)}`,
    );
    return undefined;
  }
  if ((site.name === 'map' || site.name === 'filter') && Array.isArray(arg) && arg[1] === null) {
    builder.problem(
      `${site.argPointer}/1`,
      `"${site.name}" needs an expression to apply to each item`,
    );
    return undefined;
  }
  return { collection, body, rest };
}

function items(value: unknown, run: Run, pointer: string, strict: boolean): readonly unknown[] {
  if (!Array.isArray(value)) {
    if (strict) throw invalidArguments(pointer, 'expects an array to test');
    return [];
  }
  chargeItems(run, value.length, pointer);
  return value;
}

function scopeOf(index: number, data: unknown, scope: Scope | null): Scope {
  return { value: { index }, parent: { value: data, parent: scope } };
}

type Loop = (
  list: readonly unknown[],
  it: Iteration,
  data: unknown,
  scope: Scope | null,
  run: Run,
) => unknown;

function iterator(name: string, loop: Loop, max = 2, strict = false): Operation {
  return {
    name,
    compile(arg, site, builder) {
      const it = iteration(arg, site, builder, max);
      if (it === undefined) return builder.constant(null);
      const p = site.pointer;
      return (data, scope, run) =>
        loop(items(it.collection(data, scope, run), run, p, strict), it, data, scope, run);
    },
  };
}

export const mapOperation = iterator('map', (list, { body }, data, scope, run) => {
  const out = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = body(list[i], scopeOf(i, data, scope), run);
  return out;
});

export const filterOperation = iterator('filter', (list, { body }, data, scope, run) => {
  const out: unknown[] = [];
  for (let i = 0; i < list.length; i++) {
    if (truthy(body(list[i], scopeOf(i, data, scope), run))) out.push(list[i]);
  }
  return out;
});

export const allOperation = iterator(
  'all',
  (list, { body }, data, scope, run) => {
    if (list.length === 0) return false;
    for (let i = 0; i < list.length; i++) {
      if (!truthy(body(list[i], scopeOf(i, data, scope), run))) return false;
    }
    return true;
  },
  2,
  true,
);

function anyItem(
  list: readonly unknown[],
  body: Evaluator,
  data: unknown,
  scope: Scope | null,
  run: Run,
) {
  for (let i = 0; i < list.length; i++) {
    if (truthy(body(list[i], scopeOf(i, data, scope), run))) return true;
  }
  return false;
}

export const someOperation = iterator(
  'some',
  (list, { body }, data, scope, run) => anyItem(list, body, data, scope, run),
  2,
  true,
);

export const noneOperation = iterator(
  'none',
  (list, { body }, data, scope, run) => !anyItem(list, body, data, scope, run),
  2,
  true,
);

/** `{"reduce": [array, body, initial]}`; the body reads `current` and `accumulator`. */
export const reduceOperation = iterator(
  'reduce',
  (list, { body, rest }, data, scope, run) => {
    const initial = rest[0];
    let start = 0;
    let accumulator: unknown;
    if (initial !== undefined) accumulator = initial(data, scope, run);
    else {
      if (list.length === 0) return null;
      accumulator = list[0];
      start = 1;
    }
    for (let i = start; i < list.length; i++) {
      accumulator = body({ current: list[i], accumulator }, scopeOf(i, data, scope), run);
    }
    return accumulator;
  },
  3,
);

/** `{"merge": [a, b, ...]}`: one array of the arrays' items (non-arrays are items themselves). */
export const mergeOperation = eager({
  name: 'merge',
  apply: (values, run, p) => {
    const out: unknown[] = [];
    for (const value of values) {
      if (Array.isArray(value)) {
        chargeItems(run, value.length, p);
        for (const item of value) out.push(item);
      } else out.push(value);
    }
    return out;
  },
});

/** `{"in": [needle, haystack]}`: array membership or substring. */
export const inOperation = eager({
  name: 'in',
  min: 2,
  max: 2,
  apply: ([needle, haystack]) => contains(needle, haystack),
  binary: (needle, haystack) => contains(needle, haystack),
});

function contains(needle: unknown, haystack: unknown): boolean {
  if (typeof haystack === 'string') {
    return haystack.includes(
      typeof needle === 'object' && needle !== null ? toText(needle) : String(needle),
    );
  }
  if (Array.isArray(haystack)) return haystack.indexOf(needle) !== -1;
  return false;
}
