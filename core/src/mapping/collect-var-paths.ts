import type { Expression } from './types.js';

/** Operations whose arguments after the first are evaluated against each item, not the data. */
const iterators = new Set(['map', 'filter', 'reduce', 'all', 'some', 'none']);

/**
 * The static data paths an expression reads from its top-level data: `var` paths as written
 * (`"customer.email"`), `val` and `exists` paths joined with dots, and `missing`/`missing_some`
 * keys. Paths inside iterator bodies (relative to each item), computed paths, scope climbs and
 * `try` fallbacks are left out. Used to check a mapping against a trigger's output fields.
 *
 * @example collectVarPaths({ cat: [{ var: 'first' }, ' ', { var: ['last', ''] }] }) // ['first', 'last']
 */
export function collectVarPaths(expression: Expression): string[] {
  const paths = new Set<string>();
  visit(expression, paths);
  return [...paths];
}

function visit(node: unknown, paths: Set<string>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) visit(item, paths);
    return;
  }
  const keys = Object.keys(node);
  if (keys.length !== 1) return;
  const name = keys[0] as string;
  const arg = (node as Record<string, unknown>)[name];
  const args = Array.isArray(arg) ? arg : [arg];
  switch (name) {
    case 'preserve':
      return;
    case 'lookup':
      visit(args.slice(1), paths);
      return;
    case 'var':
      addVar(args[0], paths);
      visit(args.slice(1), paths);
      if (!isLiteral(args[0])) visit(args[0], paths);
      return;
    case 'val':
    case 'exists':
      if (args.every((segment) => typeof segment === 'string' || typeof segment === 'number')) {
        if (args.length > 0) paths.add(args.join('.'));
      } else if (!Array.isArray(args[0])) visit(arg, paths);
      return;
    case 'missing':
      for (const key of Array.isArray(args[0]) ? args[0] : args) addVar(key, paths);
      return;
    case 'missing_some':
      if (Array.isArray(args[1])) for (const key of args[1]) addVar(key, paths);
      return;
    case 'try':
      visit(args[0], paths);
      return;
    default:
      if (iterators.has(name)) {
        visit(args[0], paths);
        if (name === 'reduce') visit(args[2], paths);
        return;
      }
      visit(arg, paths);
  }
}

function isLiteral(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function addVar(path: unknown, paths: Set<string>): void {
  if (typeof path === 'string' && path !== '') paths.add(path);
  else if (typeof path === 'number') paths.add(String(path));
}
