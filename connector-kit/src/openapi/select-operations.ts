import type { OpenApiDocument } from './load-openapi-document.js';
import type { SelectedOperation } from './operation-to-action.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Every operation of a document, in document order.
 *
 * @example
 * ```ts
 * const all = listOperations(document).map((o) => o.operation.operationId);
 * ```
 */
export function listOperations(document: OpenApiDocument): SelectedOperation[] {
  const out: SelectedOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!item) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) {
        out.push({ method, path, operation, pathParameters: item.parameters ?? [] });
      }
    }
  }
  return out;
}

function matcher(pattern: string): (op: SelectedOperation) => boolean {
  if (pattern.startsWith('tag:')) {
    const tag = pattern.slice(4);
    return (op) => (op.operation.tags ?? []).includes(tag);
  }
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`);
  return (op) => re.test(op.operation.operationId ?? `${op.method.toUpperCase()} ${op.path}`);
}

/**
 * The operations chosen by a comma-separated list of operation ids, `*` patterns
 * (`issues/*`) and tags (`tag:issues`), in document order; all of them when `list` is
 * undefined. Returns the patterns that matched nothing as `unknown`.
 *
 * @example
 * ```ts
 * const { operations, unknown } = selectOperations(document, 'issues/create,issues/get,repos/list-*');
 * ```
 */
export function selectOperations(
  document: OpenApiDocument,
  list: string | undefined,
): { operations: SelectedOperation[]; unknown: string[] } {
  const all = listOperations(document);
  if (list === undefined) return { operations: all, unknown: [] };
  const patterns = list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const matchers = patterns.map((p) => ({ pattern: p, test: matcher(p) }));
  const unknown = matchers.filter((m) => !all.some(m.test)).map((m) => m.pattern);
  return { operations: all.filter((op) => matchers.some((m) => m.test(op))), unknown };
}
