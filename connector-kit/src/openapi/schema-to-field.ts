import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import { isFieldName, renderObject } from './render-code.js';

/**
 * A schema object of an OpenAPI 3.0 or 3.1 document, after dereferencing (a circular `$ref`
 * stays a reference object).
 *
 * @example
 * ```ts
 * const schema: OpenApiSchema = { type: 'string', format: 'date-time' };
 * ```
 */
export type OpenApiSchema = OpenAPIV3.SchemaObject | OpenAPIV3_1.SchemaObject;

/**
 * A field in generated code: its `field.*(...)` source and a value that satisfies it.
 *
 * @example
 * ```ts
 * const f: FieldCode = { code: 'field.string()', sample: 'string', required: true };
 * ```
 */
export interface FieldCode {
  readonly code: string;
  readonly sample: unknown;
  readonly required: boolean;
}

/**
 * How a schema becomes a field: `input` objects keep the spec's `additionalProperties`, `output`
 * objects are open (APIs add keys); nesting deeper than `maxDepth` becomes `field.json()`.
 *
 * @example
 * ```ts
 * schemaToField(schema, { direction: 'output', required: true, depth: 0 });
 * ```
 */
export interface SchemaContext {
  readonly direction: 'input' | 'output';
  readonly required: boolean;
  readonly depth: number;
  readonly description?: string;
  readonly maxDepth?: number;
}

const DESCRIPTION_LIMIT = 240;

/**
 * The first paragraph of a description, without markdown links, cut to a readable length.
 *
 * @example
 * ```ts
 * shortDescription('Lists issues.\n\nMore text.'); // 'Lists issues.'
 * ```
 */
export function shortDescription(text: string | undefined): string | undefined {
  if (typeof text !== 'string') return undefined;
  const first = (
    text
      .replace(/^\s*>\s?/gm, '')
      .replace(/\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*/g, '')
      .trim()
      .split(/\n\s*\n/)[0] ?? ''
  )
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  if (first === '') return undefined;
  return first.length <= DESCRIPTION_LIMIT ? first : `${first.slice(0, DESCRIPTION_LIMIT - 1)}…`;
}

function isReference(schema: unknown): schema is { $ref: string } {
  return typeof schema === 'object' && schema !== null && '$ref' in schema;
}

/** The schema's types, its nullability folded in (3.0 `nullable`, 3.1 `type: [..., 'null']`). */
function typesOf(schema: OpenApiSchema): { types: string[]; nullable: boolean } {
  const raw = (schema as { type?: string | string[] }).type;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const nullable =
    (schema as { nullable?: boolean }).nullable === true ||
    list.includes('null') ||
    (Array.isArray(schema.enum) && schema.enum.includes(null));
  return { types: list.filter((t) => t !== 'null'), nullable };
}

/** `allOf` parts merged into one object schema (properties and required lists joined). */
function mergeAllOf(schema: OpenApiSchema): OpenApiSchema {
  if (!Array.isArray(schema.allOf) || schema.allOf.some(isReference)) return schema;
  const parts = (schema.allOf as OpenApiSchema[]).map(mergeAllOf);
  const objectish = parts.every((p) => p.type === 'object' || p.properties !== undefined);
  if (!objectish) return schema;
  const properties: Record<string, unknown> = { ...(schema.properties ?? {}) };
  const required = new Set<string>(schema.required ?? []);
  for (const part of parts) {
    Object.assign(properties, part.properties ?? {});
    for (const name of part.required ?? []) required.add(name);
  }
  const { allOf: _allOf, ...rest } = schema;
  return { ...rest, type: 'object', properties, required: [...required] } as OpenApiSchema;
}

function sampleString(schema: OpenApiSchema): string {
  const format = schema.format;
  if (format === 'date') return '2024-05-01';
  if (format === 'date-time') return '2024-05-01T10:00:00Z';
  if (format === 'email') return 'ann@example.com';
  if (format === 'uri' || format === 'url') return 'https://example.com/';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 6;
  return 'string'.padEnd(min, 'x').slice(0, Math.max(min, Math.min(6, max)));
}

function sampleNumber(schema: OpenApiSchema, integer: boolean): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  let value = min ?? (max !== undefined && max < 1 ? max : 1);
  if (integer) value = Math.ceil(value);
  return value;
}

function withMeta(
  options: Record<string, unknown>,
  ctx: SchemaContext,
  schema: OpenApiSchema,
  nullable = false,
): Record<string, unknown> {
  const description = shortDescription(schema.description) ?? ctx.description;
  return {
    ...(ctx.required ? {} : { required: false }),
    ...(nullable ? { nullable: true } : {}),
    ...(description ? { description } : {}),
    ...options,
  };
}

function call(name: string, args: string[], options: Record<string, unknown>): string {
  const rendered = Object.keys(options).length > 0 ? renderObject(options) : undefined;
  return `field.${name}(${[...args, ...(rendered ? [rendered] : [])].join(', ')})`;
}

/** Any JSON value, said to be possibly null in its description. */
function jsonField(ctx: SchemaContext, schema: OpenApiSchema, type?: string): FieldCode {
  const options = withMeta(type ? { type } : {}, ctx, schema);
  const sample = type === 'object' ? {} : type === 'array' ? [] : type === 'string' ? '' : null;
  return { code: call('json', [], options), sample, required: ctx.required };
}

/**
 * The generated `field.*()` source for an OpenAPI schema, with a sample value that passes it.
 * Strings (with `date`, `date-time`, `email`, `uri` formats), numbers, integers, booleans,
 * string enums, arrays and objects map to their fields; `allOf` objects are merged; `oneOf`,
 * `anyOf` and circular references become `field.json()` (any JSON value), which the author can
 * narrow; nullable schemas give `nullable: true` fields, and a nullable output is optional too.
 *
 * @example
 * ```ts
 * schemaToField({ type: 'integer', minimum: 1 }, { direction: 'input', required: true, depth: 0 }).code;
 * // 'field.integer({ minimum: 1 })'
 * ```
 */
export function schemaToField(input: unknown, ctx: SchemaContext): FieldCode {
  if (isReference(input) || typeof input !== 'object' || input === null) {
    return jsonField(ctx, {});
  }
  const schema = mergeAllOf(input as OpenApiSchema);
  const { types, nullable } = typesOf(schema);
  const single = types.length === 1 ? types[0] : undefined;
  const inferred =
    single ??
    (types.length === 0 && schema.properties !== undefined
      ? 'object'
      : types.length === 0 && (schema as { items?: unknown }).items !== undefined
        ? 'array'
        : undefined);
  // APIs often leave a nullable output key out rather than send null (GitHub's own examples
  // do): an output that may be null may also be missing.
  if (nullable && ctx.direction === 'output') ctx = { ...ctx, required: false };
  if (inferred === undefined || schema.oneOf || schema.anyOf) return jsonField(ctx, schema);
  switch (inferred) {
    case 'string':
      return stringField(schema, ctx, nullable);
    case 'integer':
    case 'number': {
      const options = withMeta(
        {
          ...(typeof schema.minimum === 'number' ? { minimum: schema.minimum } : {}),
          ...(typeof schema.maximum === 'number' ? { maximum: schema.maximum } : {}),
        },
        ctx,
        schema,
        nullable,
      );
      return {
        code: call(inferred, [], options),
        sample: sampleNumber(schema, inferred === 'integer'),
        required: ctx.required,
      };
    }
    case 'boolean':
      return {
        code: call('boolean', [], withMeta({}, ctx, schema, nullable)),
        sample: true,
        required: ctx.required,
      };
    case 'array':
      return arrayField(schema, ctx, nullable);
    case 'object':
      return objectField(schema, ctx, nullable);
    default:
      return jsonField(ctx, schema);
  }
}

function stringField(schema: OpenApiSchema, ctx: SchemaContext, nullable: boolean): FieldCode {
  const values = Array.isArray(schema.enum) ? schema.enum.filter((v) => v !== null) : undefined;
  if (values && values.length > 0 && values.every((v) => typeof v === 'string')) {
    const options = withMeta({}, ctx, schema, nullable);
    return {
      code: call('enum', [JSON.stringify(values)], options),
      sample: values[0],
      required: ctx.required,
    };
  }
  if (schema.format === 'date' || schema.format === 'date-time') {
    const kind = schema.format === 'date' ? 'date' : 'dateTime';
    return {
      code: call(kind, [], withMeta({}, ctx, schema, nullable)),
      sample: sampleString(schema),
      required: ctx.required,
    };
  }
  const format = schema.format === 'email' ? 'email' : schema.format === 'uri' ? 'uri' : undefined;
  const options = withMeta(
    {
      ...(format ? { format } : {}),
      ...(typeof schema.minLength === 'number' ? { minLength: schema.minLength } : {}),
      ...(typeof schema.maxLength === 'number' ? { maxLength: schema.maxLength } : {}),
    },
    ctx,
    schema,
    nullable,
  );
  return {
    code: call('string', [], options),
    sample: sampleString(schema),
    required: ctx.required,
  };
}

function arrayField(schema: OpenApiSchema, ctx: SchemaContext, nullable: boolean): FieldCode {
  const items = (schema as { items?: unknown }).items;
  if (ctx.depth >= (ctx.maxDepth ?? 4) || items === undefined)
    return jsonField(ctx, schema, nullable ? undefined : 'array');
  const item = schemaToField(items, {
    ...ctx,
    required: true,
    depth: ctx.depth + 1,
    description: undefined,
  });
  const options = withMeta(
    {
      ...(typeof schema.minItems === 'number' ? { minItems: schema.minItems } : {}),
      ...(typeof schema.maxItems === 'number' ? { maxItems: schema.maxItems } : {}),
    },
    ctx,
    schema,
    nullable,
  );
  const count = typeof schema.minItems === 'number' ? schema.minItems : 0;
  return {
    code: call('array', [item.code], options),
    sample: Array.from({ length: count }, () => item.sample),
    required: ctx.required,
  };
}

function objectField(schema: OpenApiSchema, ctx: SchemaContext, nullable: boolean): FieldCode {
  const properties = schema.properties ?? {};
  if (ctx.depth >= (ctx.maxDepth ?? 4) || Object.keys(properties).length === 0) {
    return jsonField(ctx, schema, nullable ? undefined : 'object');
  }
  const fields = schemaToFields(schema, { ...ctx, depth: ctx.depth + 1 });
  const open =
    ctx.direction === 'output' ||
    schema.additionalProperties !== false ||
    fields.dropped.length > 0;
  const options = withMeta(open ? { additionalProperties: true } : {}, ctx, schema, nullable);
  return {
    code: call('object', [fields.code], options),
    sample: fields.sample,
    required: ctx.required,
  };
}

/**
 * The fields of an object schema's properties as a field-set literal, and a sample with its
 * required keys. Properties whose names are not identifiers (`+1`) are left out and listed as
 * `dropped` (their object is then left open, so their values pass through unchecked).
 *
 * @example
 * ```ts
 * schemaToFields({ type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }, ctx).code;
 * // '{ id: field.integer() }'
 * ```
 */
export function schemaToFields(
  input: OpenApiSchema,
  ctx: Omit<SchemaContext, 'required'>,
): { code: string; sample: Record<string, unknown>; names: string[]; dropped: string[] } {
  const schema = mergeAllOf(input);
  const required = new Set(schema.required ?? []);
  const entries: Record<string, FieldCode> = {};
  const dropped: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (!isFieldName(name)) dropped.push(name);
    else entries[name] = schemaToField(property, { ...ctx, required: required.has(name) });
  }
  return { ...fieldSetCode(entries), dropped };
}

/**
 * Renders named fields as a field-set literal and its sample (required keys only).
 *
 * @example
 * ```ts
 * fieldSetCode({ id: { code: 'field.string()', sample: 'a', required: true } }).code; // '{ id: field.string() }'
 * ```
 */
export function fieldSetCode(entries: Readonly<Record<string, FieldCode>>): {
  code: string;
  sample: Record<string, unknown>;
  names: string[];
} {
  const sample: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(entries)) if (f.required) sample[name] = f.sample;
  const code = renderObject(
    Object.fromEntries(Object.entries(entries).map(([name, f]) => [name, { raw: f.code }])),
  );
  return { code, sample, names: Object.keys(entries) };
}
