import type { AnyField, FieldSet } from './field.js';

/**
 * A JSON Schema (2020-12) document or subschema, as plain JSON.
 *
 * @example
 * ```ts
 * const schema: JsonSchema = fieldsToJsonSchema(action.input);
 * ```
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * The dialect every generated schema declares.
 *
 * @example
 * ```ts
 * schema.$schema === JSON_SCHEMA_DIALECT;
 * ```
 */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

function meta(f: AnyField): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.label !== undefined) out.title = f.label;
  if (f.description !== undefined) out.description = f.description;
  if (f.secret === true) out.writeOnly = true;
  if (f.default !== undefined) out.default = f.default;
  if (f.examples !== undefined) out.examples = f.examples;
  return out;
}

/**
 * The JSON Schema of one field (no `$schema`). Secrets are marked `writeOnly: true`.
 *
 * @example
 * ```ts
 * fieldToJsonSchema(field.date()); // { type: 'string', format: 'date' }
 * fieldToJsonSchema(field.json()); // {}
 * fieldToJsonSchema(field.string({ nullable: true })); // { type: ['string', 'null'] }
 * ```
 */
export function fieldToJsonSchema(f: AnyField): JsonSchema {
  const schema = nonNullSchema(f);
  return f.nullable === true ? allowNull(schema) : schema;
}

/** A nullable field's schema: `null` added to its `type` (and to its `enum`). */
function allowNull(schema: JsonSchema): JsonSchema {
  if (schema.type === undefined) return schema; // an unnarrowed JSON field accepts null already
  const out: Record<string, unknown> = { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
  return out;
}

function nonNullSchema(f: AnyField): JsonSchema {
  switch (f.kind) {
    case 'string': {
      const out: Record<string, unknown> = { type: 'string' };
      if (f.minLength !== undefined) out.minLength = f.minLength;
      if (f.maxLength !== undefined) out.maxLength = f.maxLength;
      if (f.pattern !== undefined) out.pattern = f.pattern;
      if (f.format !== undefined) out.format = f.format;
      return { ...out, ...meta(f) };
    }
    case 'number':
    case 'integer': {
      const out: Record<string, unknown> = { type: f.kind };
      if (f.minimum !== undefined) out.minimum = f.minimum;
      if (f.maximum !== undefined) out.maximum = f.maximum;
      return { ...out, ...meta(f) };
    }
    case 'boolean':
      return { type: 'boolean', ...meta(f) };
    case 'date':
      return { type: 'string', format: 'date', ...meta(f) };
    case 'dateTime':
      return { type: 'string', format: 'date-time', ...meta(f) };
    case 'enum':
      return { type: 'string', enum: [...f.values], ...meta(f) };
    case 'object':
      return { ...objectSchema(f.fields, f.additionalProperties === true), ...meta(f) };
    case 'array': {
      const out: Record<string, unknown> = { type: 'array', items: fieldToJsonSchema(f.items) };
      if (f.minItems !== undefined) out.minItems = f.minItems;
      if (f.maxItems !== undefined) out.maxItems = f.maxItems;
      return { ...out, ...meta(f) };
    }
    case 'json':
      return { ...(f.type === undefined ? {} : { type: f.type }), ...meta(f) };
  }
}

function objectSchema(fields: FieldSet, open = false): Record<string, unknown> {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(fields)) {
    properties[name] = fieldToJsonSchema(f);
    // A required field with a default may be omitted: the runner fills the default in.
    if (f.required && f.default === undefined) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: open };
}

/**
 * Exports a field set as a JSON Schema 2020-12 object schema: `properties`, `required` (required
 * fields without a default),
 * `additionalProperties: false` (`true` for open objects), formats `date` / `date-time`, `enum`,
 * `{}` (or `{ type }`) for JSON fields, `writeOnly` for secrets.
 *
 * @example
 * ```ts
 * fieldsToJsonSchema({ email: field.string({ format: 'email' }) });
 * // { $schema: '.../2020-12/schema', type: 'object', properties: { email: {...} }, required: ['email'], additionalProperties: false }
 * ```
 */
export function fieldsToJsonSchema(fields: FieldSet): JsonSchema {
  return { $schema: JSON_SCHEMA_DIALECT, ...objectSchema(fields) };
}
