import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import { detectPagination, type Pagination } from './detect-pagination.js';
import { fieldNameFor, propertyAccess, renderObject } from './render-code.js';
import {
  type FieldCode,
  fieldSetCode,
  type OpenApiSchema,
  schemaToField,
  schemaToFields,
  shortDescription,
} from './schema-to-field.js';

type Operation = OpenAPIV3.OperationObject | OpenAPIV3_1.OperationObject;
type Parameter = OpenAPIV3.ParameterObject | OpenAPIV3_1.ParameterObject;

/**
 * One operation of a document, where it sits, and its path-level parameters.
 *
 * @example
 * ```ts
 * const op: SelectedOperation = { method: 'get', path: '/pets/{id}', operation, pathParameters: [] };
 * ```
 */
export interface SelectedOperation {
  readonly method: string;
  readonly path: string;
  readonly operation: Operation;
  readonly pathParameters: readonly unknown[];
}

/**
 * The generated action of one operation: its file and what the author should know about it.
 *
 * @example
 * ```ts
 * const { file, source, exportName } = operationToAction(op);
 * ```
 */
export interface GeneratedAction {
  readonly key: string;
  readonly exportName: string;
  /** Relative to the package, e.g. `src/actions/issues-create.ts`. */
  readonly file: string;
  readonly source: string;
  readonly pagination?: Pagination['kind'];
  readonly notes: readonly string[];
}

/** Output objects nested deeper than this are `field.json()`: typed where mappings read most. */
const OUTPUT_DEPTH = 2;

const SKIPPED_HEADERS = new Set(['accept', 'content-type', 'authorization', 'content-length']);

/**
 * A lowercase kebab-case action key from an operation id (`issues/list-for-repo`, `listPets`)
 * or, without one, from the method and path.
 *
 * @example
 * ```ts
 * actionKey('listPets', 'get', '/pets'); // 'list-pets'
 * ```
 */
export function actionKey(operationId: string | undefined, method: string, path: string): string {
  const base = operationId ?? `${method} ${path.replace(/[{}]/g, '')}`;
  const key = base
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(key) ? key : `op-${key}`;
}

function camel(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parametersOf(op: SelectedOperation): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const p of [...op.pathParameters, ...(op.operation.parameters ?? [])]) {
    if (typeof p !== 'object' || p === null || '$ref' in p) continue;
    const parameter = p as Parameter;
    byKey.set(`${parameter.in}:${parameter.name}`, parameter);
  }
  return [...byKey.values()];
}

function jsonContent(content: Record<string, { schema?: unknown }> | undefined) {
  if (!content) return undefined;
  const type = Object.keys(content).find((t) => /^application\/([\w.-]+\+)?json\b/i.test(t));
  return type === undefined ? undefined : { type, schema: content[type]?.schema };
}

/** The success response: the first 2xx (or 2XX) status, with its JSON schema if any. */
function successResponse(operation: Operation) {
  const statuses = Object.keys(operation.responses ?? {}).sort();
  const status = statuses.find((s) => /^2\d\d$/.test(s)) ?? statuses.find((s) => s === '2XX');
  if (status === undefined) return undefined;
  const response = operation.responses?.[status] as OpenAPIV3.ResponseObject;
  const json = jsonContent(response.content as Record<string, { schema?: unknown }> | undefined);
  return { status, response, schema: json?.schema as OpenApiSchema | undefined };
}

/** `name`, or `name2`, `name3`... when a field already has it. */
function freeName(name: string, taken: Readonly<Record<string, unknown>>): string {
  if (!(name in taken)) return name;
  let n = 2;
  while (`${name}${n}` in taken) n += 1;
  return `${name}${n}`;
}

function pathExpression(path: string, names: ReadonlyMap<string, string>): string {
  const template = path
    .replace(/`/g, '\\`')
    .replace(/\$\{/g, '\\${')
    .replace(/\{([^}]+)\}/g, (m, name: string) =>
      names.has(name)
        ? `\${encodeURIComponent(String(${propertyAccess('input', names.get(name) ?? name)}))}`
        : m,
    );
  return `\`${template}\``;
}

/**
 * Generates one action file for an operation: input fields from its path, query and header
 * parameters and its JSON request body (flattened when its properties clash with no parameter,
 * else one `body` field), output fields from its success response (an object's properties, a
 * list as `items`), pagination when the operation shows it (a `Link` response header, a cursor
 * or page-number query parameter), and a `run` that calls the API through `ctx.http`.
 *
 * @example
 * ```ts
 * const action = operationToAction({ method: 'get', path: '/pets', operation, pathParameters: [] });
 * await writeFile(action.file, action.source);
 * ```
 */
export function operationToAction(op: SelectedOperation): GeneratedAction {
  const { operation, method, path } = op;
  const key = actionKey(operation.operationId, method, path);
  const notes: string[] = [];
  const input: Record<string, FieldCode> = {};
  const pathNames = new Map<string, string>();
  const query: Record<string, { raw: string }> = {};
  const headers: Record<string, { raw: string }> = {};
  for (const p of parametersOf(op)) {
    if (p.in === 'cookie') {
      notes.push(`cookie parameter "${p.name}" is not sent`);
      continue;
    }
    if (p.in === 'header' && SKIPPED_HEADERS.has(p.name.toLowerCase())) continue;
    const schema =
      p.schema ?? jsonContent(p.content as Record<string, { schema?: unknown }>)?.schema;
    const required = p.in === 'path' || p.required === true;
    const name = freeName(fieldNameFor(p.name), input);
    input[name] = schemaToField(schema, {
      direction: 'input',
      required,
      depth: 0,
      description: shortDescription(p.description),
    });
    if (p.in === 'path') pathNames.set(p.name, name);
    else if (p.in === 'query') query[p.name] = { raw: propertyAccess('input', name) };
    else headers[p.name] = { raw: propertyAccess('input', name) };
  }

  const body = requestBody(operation, input, notes);
  const success = successResponse(operation);
  const pagination =
    method === 'get' && success ? detectPagination(success, Object.keys(query)) : undefined;
  const output = outputFields(success?.schema, pagination, notes);
  if (pagination && !('maxPages' in input)) {
    input.maxPages = {
      code: `field.integer({ required: false, default: 1, minimum: 1, maximum: 100, description: "How many pages to fetch (${pagination.kind} pagination)" })`,
      sample: 1,
      required: false,
    };
  }

  const exportName = camel(key);
  const upper = method.toUpperCase();
  const kind =
    method === 'get'
      ? 'search'
      : method === 'delete'
        ? 'delete'
        : method === 'put' || method === 'patch'
          ? 'update'
          : success?.status === '201'
            ? 'create'
            : 'custom';
  const idempotent = ['get', 'head', 'put', 'delete', 'options'].includes(method);
  const summary = operation.summary?.trim() || `${upper} ${path}`;
  const inputSet = fieldSetCode(input);
  const request: Record<string, unknown> = {
    method: upper,
    path: { raw: pathExpression(path, pathNames) },
    ...(Object.keys(query).length > 0
      ? { query: { raw: `compactQuery(${renderObject(query)})` } }
      : {}),
    ...(Object.keys(headers).length > 0
      ? { headers: { raw: `compactHeaders(${renderObject(headers)})` } }
      : {}),
    ...(body ?? {}),
  };
  const helpers = ['defineAction', 'field'];
  if (pagination || output.names.length > 0) helpers.push('pickFields');
  if (Object.keys(query).length > 0) helpers.push('compactQuery');
  if (Object.keys(headers).length > 0) helpers.push('compactHeaders');
  const runBody = pagination
    ? paginatedRun(pagination, helpers)
    : output.names.length === 0
      ? '    await ctx.http.request(request);\n    return {};'
      : `    const answer = await ctx.http.json<unknown>(request);\n    return pickFields(output, ${output.wrap('answer')});`;
  const docsUrl = (operation.externalDocs as { url?: string } | undefined)?.url;
  const source = `import { ${helpers.sort().join(', ')} } from '@junction/connector-kit';

/** What the API answers, as the action's output fields. */
const output = ${output.code};

/**
 * ${summary.replace(/\*\//g, '*\\/')}: \`${upper} ${path}\`.${docsUrl ? `\n * @see ${docsUrl}` : ''}
 */
export const ${exportName} = defineAction({
  key: ${JSON.stringify(key)},
  name: ${JSON.stringify(summary)},
  description: ${JSON.stringify(shortDescription(operation.description) ?? summary)},
  kind: ${JSON.stringify(kind)},
  idempotent: ${idempotent},
  input: ${inputSet.code.replace(/\n/g, '\n  ')},
  output,
  sample: ${renderObject(output.sample).replace(/\n/g, '\n  ')},
  async run(ctx, input) {
    const request = ${renderObject(request).replace(/\n/g, '\n    ')};
${runBody}
  },
});
`;
  return {
    key,
    exportName,
    file: `src/actions/${key}.ts`,
    source,
    ...(pagination ? { pagination: pagination.kind } : {}),
    notes,
  };
}

function paginatedRun(pagination: Pagination, helpers: string[]): string {
  helpers.push('itemsAt');
  const itemsArg =
    pagination.itemsProperty === undefined ? '' : `, ${JSON.stringify(pagination.itemsProperty)}`;
  let next: string;
  if (pagination.kind === 'link') {
    helpers.push('linkHeaderPages');
    next = 'linkHeaderPages()';
  } else if (pagination.kind === 'cursor') {
    helpers.push('cursorPages');
    next = `cursorPages(${renderObject({ param: pagination.param, nextField: pagination.nextField })})`;
  } else {
    helpers.push('pageNumberPages');
    next = `pageNumberPages({ param: ${JSON.stringify(pagination.param)}, first: ${pagination.first}, items: (page) => itemsAt(page${itemsArg}) })`;
  }
  return `    const items: unknown[] = [];
    const pages = ctx.http.paginate<unknown>(request, ${next}, { maxPages: input.maxPages ?? 1 });
    for await (const page of pages) items.push(...itemsAt(page${itemsArg}));
    return pickFields(output, { items });`;
}

function requestBody(
  operation: Operation,
  input: Record<string, FieldCode>,
  notes: string[],
): Record<string, unknown> | undefined {
  const body = operation.requestBody as OpenAPIV3.RequestBodyObject | undefined;
  if (!body || '$ref' in body) return undefined;
  const required = body.required === true;
  const json = jsonContent(body.content as Record<string, { schema?: unknown }>);
  if (json === undefined) {
    const type = Object.keys(body.content ?? {})[0] ?? 'application/octet-stream';
    input.body = {
      code: `field.string(${renderObject({ ...(required ? {} : { required: false }), description: `The raw ${type} body` })})`,
      sample: '',
      required,
    };
    notes.push(`its ${type} body is sent as raw text`);
    return {
      headers: { raw: `{ "content-type": ${JSON.stringify(type)} }` },
      body: { raw: 'input.body' },
    };
  }
  const schema = json.schema as OpenApiSchema | undefined;
  const properties =
    schema && typeof schema === 'object' && !('$ref' in schema) ? schema.properties : undefined;
  const names = Object.keys(properties ?? {});
  const flatten =
    names.length > 0 &&
    schema?.type !== 'array' &&
    !schema?.oneOf &&
    !schema?.anyOf &&
    names.every((n) => !(fieldNameFor(n) in input) && fieldNameFor(n) !== 'maxPages') &&
    new Set(names.map(fieldNameFor)).size === names.length;
  if (!flatten || schema === undefined) {
    input.body = schemaToField(schema, {
      direction: 'input',
      required,
      depth: 0,
      description: 'The request body',
    });
    return { json: { raw: 'input.body' } };
  }
  const bodyRequired = new Set(schema.required ?? []);
  const entries = Object.fromEntries(
    names.map((n) => {
      const f = schemaToField(properties?.[n], {
        direction: 'input',
        required: required && bodyRequired.has(n),
        depth: 0,
      });
      return [fieldNameFor(n), f];
    }),
  );
  Object.assign(input, entries);
  return {
    json: Object.fromEntries(
      names.map((n) => [n, { raw: propertyAccess('input', fieldNameFor(n)) }]),
    ),
  };
}

function outputFields(
  schema: OpenApiSchema | undefined,
  pagination: Pagination | undefined,
  notes: string[],
) {
  const items = (itemSchema: unknown) => {
    const item = schemaToField(itemSchema, {
      direction: 'output',
      required: true,
      depth: 1,
      maxDepth: OUTPUT_DEPTH,
    });
    return fieldSetCode({
      items: { code: `field.array(${item.code})`, sample: [], required: true },
    });
  };
  if (pagination) {
    const list =
      pagination.itemsProperty === undefined
        ? (schema as { items?: unknown }).items
        : (schema?.properties?.[pagination.itemsProperty] as { items?: unknown } | undefined)
            ?.items;
    return { ...items(list), wrap: (v: string) => v };
  }
  if (schema === undefined || typeof schema !== 'object' || '$ref' in schema) {
    return { code: '{}', sample: {}, names: [], wrap: () => '{}' };
  }
  if (schema.type === 'array') {
    return {
      ...items((schema as { items?: unknown }).items),
      wrap: (v: string) => `{ items: ${v} }`,
    };
  }
  const fields = schemaToFields(schema, { direction: 'output', depth: 0, maxDepth: OUTPUT_DEPTH });
  if (fields.names.length > 0 && !schema.oneOf && !schema.anyOf) {
    for (const name of fields.dropped)
      notes.push(`output key "${name}" is not an identifier and is left out`);
    return { ...fields, wrap: (v: string) => v };
  }
  const answer = schemaToField(schema, {
    direction: 'output',
    required: false,
    depth: 0,
    description: 'The answer',
  });
  return { ...fieldSetCode({ body: answer }), wrap: (v: string) => `{ body: ${v} }` };
}
