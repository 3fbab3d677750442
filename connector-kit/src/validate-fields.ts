import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { InputProblem } from './errors.js';
import type { FieldSet } from './field.js';
import { fieldsToJsonSchema } from './fields-to-json-schema.js';

let ajv: Ajv2020 | undefined;
const compiled = new WeakMap<FieldSet, ValidateFunction>();

function validDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function getAjv(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, useDefaults: true });
  ajv.addFormat('date', validDate);
  ajv.addFormat(
    'date-time',
    (s) =>
      /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) &&
      validDate(s.slice(0, 10)) &&
      !Number.isNaN(Date.parse(s)),
  );
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  ajv.addFormat('uri', (s) => {
    try {
      return /^[a-z][a-z0-9+.-]*:/i.test(s) && new URL(s) !== undefined;
    } catch {
      return false;
    }
  });
  return ajv;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function toProblem(error: ErrorObject): InputProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const name = escapePointer(String(params.missingProperty));
    return { pointer: `${error.instancePath}/${name}`, message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    const name = escapePointer(String(params.additionalProperty));
    return { pointer: `${error.instancePath}/${name}`, message: 'is not a declared field' };
  }
  if (error.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return { pointer: error.instancePath, message: `must be one of ${allowed}` };
  }
  return { pointer: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
}

/**
 * The outcome of {@link validateFields}: the value with defaults applied, and every problem.
 *
 * @example
 * ```ts
 * const { value, problems } = validateFields(action.input, input);
 * ```
 */
export interface FieldsCheck<T = Record<string, unknown>> {
  readonly value: T;
  readonly problems: readonly InputProblem[];
}

/**
 * Checks a value against a field set (JSON Schema 2020-12, all errors) and returns every problem
 * with a JSON pointer, plus a copy of the value with declared defaults filled in.
 *
 * @example
 * ```ts
 * validateFields({ email: field.string({ format: 'email' }) }, { email: 'nope' });
 * // { value: {...}, problems: [{ pointer: '/email', message: 'must match format "email"' }] }
 * ```
 */
export function validateFields(fields: FieldSet, value: unknown): FieldsCheck {
  let validate = compiled.get(fields);
  if (!validate) {
    validate = getAjv().compile(fieldsToJsonSchema(fields));
    compiled.set(fields, validate);
  }
  const copy = value === undefined ? value : structuredClone(value);
  if (validate(copy)) return { value: copy as Record<string, unknown>, problems: [] };
  const problems = (validate.errors ?? []).map(toProblem);
  return { value: copy as Record<string, unknown>, problems };
}
