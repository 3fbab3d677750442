import { argumentList, type Builder, type Operation, type OperationSite } from '../operation.js';
import { readKey, readPath, splitVarPath } from '../read-path.js';
import type { Evaluator, Run, Scope } from '../types.js';

function isOperationNode(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1
  );
}

/** `{"var": "a.b"}`, `{"var": ["a.b", default]}`: json-logic-js's dotted-path read. */
export const varOperation: Operation = {
  name: 'var',
  compile(arg, site, builder) {
    if (isOperationNode(arg)) return dynamicVar(dataAware(arg, site, builder));
    const list = argumentList(Array.isArray(arg) ? arg : [arg], site, builder, 0, 2);
    if (list === undefined) return builder.constant(null);
    const pathConstant = list[0] === undefined ? { value: '' } : builder.constantOf(list[0]);
    if (pathConstant === undefined) return dynamicVar(valuesOf(list));
    const keys = splitVarPath(pathConstant.value).map(String);
    const fallback = list[1] ?? builder.constant(null);
    const fixed = builder.constantOf(fallback);
    if (keys.length === 0) return (data) => data;
    if (fixed !== undefined) return pathReader(keys, fixed.value, builder);
    const read = pathReader(keys, undefined, builder);
    return (data, scope, run) => {
      const found = read(data, scope, run);
      return found === undefined ? fallback(data, scope, run) : found;
    };
  },
};

/** Marks a remembered read whose path was absent; never returned. */
const absent = Object.freeze({});

/** `parent[key]` (own properties only), remembered in `reads[slot]`. */
function remembered(reads: unknown[], slot: number, parent: unknown, key: string): unknown {
  const known = reads[slot];
  if (known !== undefined) return known === absent ? undefined : known;
  const value = parent === null || parent === undefined ? undefined : readKey(parent, key);
  reads[slot] = value === undefined ? absent : value;
  return value;
}

/**
 * A reader of a constant path (`missing` if absent). Reads of the evaluation's own data are
 * remembered per path prefix in `run.reads`, so the fields of a mapping that read `contact.email`
 * and `contact.phone` read `contact` once; reads of other data (iteration items) are direct.
 * Specialised for the common `a` and `a.b`.
 */
function pathReader(keys: readonly string[], missing: unknown, builder: Builder): Evaluator {
  const slots = keys.map((_, i) => builder.readSlot(keys.slice(0, i + 1)));
  const [k1, k2] = keys as [string, string];
  const [s1, s2] = slots as [number, number];
  if (keys.length === 1) {
    return (data, _scope, run) => {
      const found = data === run.root ? remembered(run.reads, s1, data, k1) : readKey(data, k1);
      return found === undefined ? missing : found;
    };
  }
  if (keys.length === 2) {
    return (data, _scope, run) => {
      let found: unknown;
      if (data === run.root) {
        const reads = run.reads;
        const known = reads[s2];
        if (known === undefined) found = remembered(reads, s2, remembered(reads, s1, data, k1), k2);
        else found = known === absent ? undefined : known;
      } else {
        const a = readKey(data, k1);
        found = a === undefined || a === null ? undefined : readKey(a, k2);
      }
      return found === undefined ? missing : found;
    };
  }
  const n = keys.length;
  return (data, _scope, run) => {
    let found: unknown;
    if (data === run.root) {
      const reads = run.reads;
      found = data;
      for (let i = 0; i < n; i++) {
        found = remembered(reads, slots[i] as number, found, keys[i] as string);
      }
    } else found = readPath(data, keys);
    return found === undefined ? missing : found;
  };
}

/** `var` whose path is computed at run time. */
function dynamicVar(read: ValuesOf): Evaluator {
  return (data, scope, run) => {
    const [path, fallback = null] = read(data, scope, run);
    const found = readPath(data, splitVarPath(path));
    return found === undefined ? fallback : found;
  };
}

type PathSegment = string | number;

/** Resolves a `val` path (`[[climb], ...keys]` climbs enclosing scopes first). */
function resolveVal(data: unknown, scope: Scope | null, path: readonly unknown[]): unknown {
  let current = data;
  let start = 0;
  const first = path[0];
  if (Array.isArray(first)) {
    start = 1;
    const climb = Math.abs(Number(first[0]) || 0);
    let level = scope;
    for (let i = 1; i < climb && level !== null; i++) level = level.parent;
    current = climb === 0 ? data : level === null ? undefined : level.value;
  }
  for (let i = start; i < path.length; i++) {
    if (current === null || current === undefined) return undefined;
    const key = path[i];
    if (typeof key !== 'string' && typeof key !== 'number') return undefined;
    current = readKey(current, key);
  }
  return current;
}

function valLike(name: string, finish: (found: unknown) => unknown): Operation {
  return {
    name,
    compile(arg, site, builder) {
      if (isOperationNode(arg)) {
        const source = builder.child(arg, site.argPointer, site.depth + 1);
        return (data, scope, run) => {
          const path = source(data, scope, run);
          return finish(resolveVal(data, scope, Array.isArray(path) ? path : [path]));
        };
      }
      const list = argumentList(Array.isArray(arg) ? arg : [arg], site, builder);
      if (list === undefined) return builder.constant(null);
      const constants = list.map((item) => builder.constantOf(item));
      if (constants.every((c) => c !== undefined)) {
        const path = constants.map((c) => c?.value);
        if (
          !Array.isArray(path[0]) &&
          path.every((k) => typeof k === 'string' || typeof k === 'number')
        ) {
          const keys = path as PathSegment[];
          if (keys.length === 1) {
            const key = keys[0] as PathSegment;
            return (data) => finish(readKey(data, key));
          }
          return (data) => finish(readPath(data, keys));
        }
        return (data, scope) => finish(resolveVal(data, scope, path));
      }
      return (data, scope, run) =>
        finish(
          resolveVal(
            data,
            scope,
            list.map((item) => item(data, scope, run)),
          ),
        );
    },
  };
}

/** `{"val": ["a", "b"]}`: reads a path of keys (no dot splitting); missing reads as null. */
export const valOperation = valLike('val', (found) => (found === undefined ? null : found));

/** `{"exists": ["a", "b"]}`: whether the path is present in the data. */
export const existsOperation = valLike('exists', (found) => found !== undefined);

function missingKeys(keys: readonly unknown[], data: unknown): unknown[] {
  const missing: unknown[] = [];
  for (const key of keys) {
    const value = readPath(data, splitVarPath(key));
    if (value === undefined || value === null || value === '') missing.push(key);
  }
  return missing;
}

/** `{"missing": ["a", "b.c"]}`: the keys whose value is absent, null or "". */
export const missingOperation: Operation = {
  name: 'missing',
  compile(arg, site, builder) {
    const keysOf = dataAware(arg, site, builder);
    return (data, scope, run) => {
      const values = keysOf(data, scope, run);
      return missingKeys(Array.isArray(values[0]) ? values[0] : values, data);
    };
  },
};

/** `{"missing_some": [need, keys]}`: [] when at least `need` keys are present, else the missing. */
export const missingSomeOperation: Operation = {
  name: 'missing_some',
  compile(arg, site, builder) {
    const argsOf = dataAware(arg, site, builder);
    return (data, scope, run) => {
      const [need, keys] = argsOf(data, scope, run);
      const options = Array.isArray(keys) ? keys : [];
      const missing = missingKeys(options, data);
      return options.length - missing.length >= Number(need) ? [] : missing;
    };
  },
};

type ValuesOf = (data: unknown, scope: Scope | null, run: Run) => unknown[];

function valuesOf(list: readonly Evaluator[]): ValuesOf {
  return (data, scope, run) => list.map((item) => item(data, scope, run));
}

/** Evaluates an eager-style argument into its list of values (for operations reading the data). */
function dataAware(arg: unknown, site: OperationSite, builder: Builder): ValuesOf {
  if (isOperationNode(arg)) {
    const source = builder.child(arg, site.argPointer, site.depth + 1);
    return (data, scope, run) => {
      const value = source(data, scope, run);
      return Array.isArray(value) ? value : [value];
    };
  }
  return valuesOf(argumentList(Array.isArray(arg) ? arg : [arg], site, builder) ?? []);
}
