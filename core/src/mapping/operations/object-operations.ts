import { toNumber, toText } from '../coerce.js';
import { chargeItems } from '../limits.js';
import { argumentList, eager, type Operation } from '../operation.js';
import { readKey } from '../read-path.js';
import type { Evaluator } from '../types.js';
import { OMIT } from './omit-operation.js';

/** Sets an own data property, even for keys such as `__proto__`. */
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else target[key] = value;
}

/** `{"pick": [object, ["a", "b"]]}`: a new object with only those keys (absent keys are left out). */
export const pickOperation = eager({
  name: 'pick',
  min: 2,
  max: 2,
  chain: false,
  apply: ([source, keys], run, p) => {
    if (source === null || typeof source !== 'object' || Array.isArray(source)) return null;
    const wanted = Array.isArray(keys) ? keys : [keys];
    chargeItems(run, wanted.length, p);
    const out: Record<string, unknown> = {};
    for (const key of wanted) {
      const name = toText(key);
      const value = readKey(source, name);
      if (value !== undefined) setField(out, name, value);
    }
    return out;
  },
});

/**
 * `{"object": [["id", 1], ["name", "Ada"]]}` or `{"object": {"map": ...}}`: an object from
 * [key, value] pairs; a pair whose value is `{"omit": []}` is left out.
 */
export const objectOperation = eager({
  name: 'object',
  apply: (pairs, run, p) => {
    chargeItems(run, pairs.length, p);
    const out: Record<string, unknown> = {};
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2 || pair[1] === OMIT) continue;
      setField(out, toText(pair[0]), pair[1]);
    }
    return out;
  },
});

/** `{"flatten": [array, depth?]}`: nested arrays flattened `depth` levels (default 1). */
export const flattenOperation = eager({
  name: 'flatten',
  min: 1,
  max: 2,
  chain: false,
  apply: ([list, depth = 1], run, p) => {
    if (!Array.isArray(list)) return list === null ? [] : [list];
    const levels = Math.max(0, Math.min(32, Math.trunc(toNumber(depth, p))));
    const out = list.flat(levels);
    chargeItems(run, out.length, p);
    return out;
  },
});

/**
 * `{"lookup": [{"FR": "France", "DE": "Germany"}, {"var": "country"}, "Unknown"]}`: translates a
 * code through a literal table (never evaluated); the default (null if omitted) when absent.
 */
export const lookupOperation: Operation = {
  name: 'lookup',
  compile(arg, site, builder) {
    if (!Array.isArray(arg) || arg.length < 2 || arg.length > 3) {
      builder.problem(site.argPointer, '"lookup" takes [table, key] or [table, key, default]');
      return builder.constant(null);
    }
    const table = builder.data(arg[0], `${site.argPointer}/0`, site.depth + 1);
    if (table === null || typeof table !== 'object' || Array.isArray(table)) {
      builder.problem(`${site.argPointer}/0`, '"lookup" needs a literal object as its table');
      return builder.constant(null);
    }
    const entries = table as Record<string, unknown>;
    const key = builder.child(arg[1], `${site.argPointer}/1`, site.depth + 1);
    const fallback =
      arg.length === 3
        ? builder.child(arg[2], `${site.argPointer}/2`, site.depth + 1)
        : builder.constant(null);
    return (data, scope, run) => {
      const k = key(data, scope, run);
      if (k !== null && typeof k !== 'object') {
        const name = typeof k === 'string' ? k : String(k);
        if (Object.hasOwn(entries, name)) return entries[name];
      }
      return fallback(data, scope, run);
    };
  },
};

/** `{"coalesce": [a, b, ...]}`: the first value that is neither null nor "" (else null). */
export const coalesceOperation: Operation = {
  name: 'coalesce',
  compile(arg, site, builder) {
    const list = argumentList(arg, site, builder, 1);
    if (list === undefined) return builder.constant(null);
    return (data, scope, run) => {
      for (const item of list as Evaluator[]) {
        const value = item(data, scope, run);
        if (value !== null && value !== undefined && value !== '') return value;
      }
      return null;
    };
  },
};
