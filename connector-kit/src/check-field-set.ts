import type { AnyField, FieldSet } from './field.js';
import type { DefinitionProblem } from './validate-connector.js';
import { validateFields } from './validate-fields.js';

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD_KINDS = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'date',
  'dateTime',
  'enum',
  'object',
  'array',
  'json',
]);
const JSON_TYPES = new Set(['object', 'array', 'string', 'number', 'boolean', 'null']);
const single = new WeakMap<AnyField, FieldSet>();

/** Checks a field's own `default` and `examples` against the field (a bad example misleads). */
function checkFieldValues(f: AnyField, p: string, out: DefinitionProblem[]) {
  let fields = single.get(f);
  if (!fields) {
    fields = { value: { ...f, required: true } as AnyField };
    single.set(f, fields);
  }
  const check = (value: unknown, at: string, what: string) => {
    for (const problem of validateFields(fields, { value }).problems) {
      out.push({
        path: `${at}${problem.pointer.replace(/^\/value/, '')}`,
        message: `${what} ${problem.message}`,
      });
    }
  };
  try {
    if (f.default !== undefined) check(f.default, `${p}/default`, 'default');
    if (Array.isArray(f.examples)) {
      f.examples.forEach((example, i) => {
        check(example, `${p}/examples/${i}`, 'example');
      });
    }
  } catch (thrown) {
    out.push({ path: p, message: `cannot be checked: ${(thrown as Error).message}` });
  }
}

/**
 * Checks one field set of a definition (inputs, outputs, settings, credentials, record fields):
 * identifier names, known kinds, non-empty enums, JSON `type`s, nested objects, and each
 * field's `default` and `examples` against the field. Returns `false` when the set is too broken
 * to check samples against.
 *
 * @example
 * ```ts
 * if (checkFieldSet(action.input, '/actions/0/input', problems)) checkSample(...);
 * ```
 */
export function checkFieldSet(fields: unknown, path: string, out: DefinitionProblem[]): boolean {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    out.push({ path, message: 'must be an object of fields' });
    return false;
  }
  let ok = true;
  for (const [name, f] of Object.entries(fields)) {
    const p = `${path}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!FIELD_NAME.test(name)) out.push({ path: p, message: 'field names must be identifiers' });
    if (typeof f !== 'object' || f === null || typeof (f as { kind?: unknown }).kind !== 'string') {
      out.push({ path: p, message: 'must be a field made with field.*()' });
      ok = false;
      continue;
    }
    const kind = (f as { kind: string }).kind;
    if (!FIELD_KINDS.has(kind)) {
      out.push({ path: `${p}/kind`, message: `unknown field kind ${JSON.stringify(kind)}` });
      ok = false;
      continue;
    }
    const nestedOk =
      kind !== 'object' || checkFieldSet((f as { fields: unknown }).fields, `${p}/fields`, out);
    ok &&= nestedOk;
    if (kind === 'enum' && !((f as { values?: unknown[] }).values?.length ?? 0)) {
      out.push({ path: `${p}/values`, message: 'an enum needs at least one value' });
    }
    const nullable = (f as { nullable?: unknown }).nullable;
    if (nullable !== undefined && typeof nullable !== 'boolean') {
      out.push({ path: `${p}/nullable`, message: 'must be true or false' });
    }
    const jsonType = (f as { type?: unknown }).type;
    if (kind === 'json' && jsonType !== undefined && !JSON_TYPES.has(String(jsonType))) {
      out.push({
        path: `${p}/type`,
        message: `type must be one of ${[...JSON_TYPES].join(', ')}`,
      });
      ok = false;
      continue;
    }
    if (nestedOk) checkFieldValues(f as AnyField, p, out);
  }
  return ok;
}
