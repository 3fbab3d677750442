/**
 * Source code to embed as it is, not as a JSON value.
 *
 * @example
 * ```ts
 * renderObject({ id: { raw: 'field.string()' } }); // '{ id: field.string() }'
 * ```
 */
export interface RawCode {
  readonly raw: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const LINE = 96;

function isRaw(value: unknown): value is RawCode {
  return (
    typeof value === 'object' && value !== null && 'raw' in value && Object.keys(value).length === 1
  );
}

/**
 * A property name as TypeScript source: bare when it is an identifier, quoted otherwise.
 *
 * @example
 * ```ts
 * propertyName('per_page'); // 'per_page'
 * propertyName('X-GitHub-Api-Version'); // '"X-GitHub-Api-Version"'
 * ```
 */
export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/**
 * How to read a property of `object` in TypeScript source (`input.owner`, `input["x-id"]`).
 *
 * @example
 * ```ts
 * propertyAccess('input', 'X-Request-Id'); // 'input["X-Request-Id"]'
 * ```
 */
export function propertyAccess(object: string, name: string): string {
  return IDENTIFIER.test(name) ? `${object}.${name}` : `${object}[${JSON.stringify(name)}]`;
}

function indent(text: string): string {
  return text.replace(/\n/g, '\n  ');
}

/**
 * Renders a value as TypeScript source: objects and arrays on one line when short, one entry per
 * line (two-space indent) when not; {@link RawCode} values as they are.
 *
 * @example
 * ```ts
 * renderObject({ required: false, description: 'Name' }); // '{ required: false, description: "Name" }'
 * ```
 */
export function renderObject(value: unknown): string {
  if (isRaw(value)) return value.raw;
  if (Array.isArray(value)) {
    const items = value.map(renderObject);
    const line = `[${items.join(', ')}]`;
    if (line.length <= LINE && !line.includes('\n')) return line;
    return `[\n  ${items.map(indent).join(',\n  ')},\n]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${propertyName(k)}: ${renderObject(v)}`);
    if (entries.length === 0) return '{}';
    const line = `{ ${entries.join(', ')} }`;
    if (line.length <= LINE && !line.includes('\n')) return line;
    return `{\n  ${entries.map(indent).join(',\n  ')},\n}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether a name can be a field name as it is (fields are identifiers).
 *
 * @example
 * ```ts
 * isFieldName('per_page'); // true
 * isFieldName('+1'); // false
 * ```
 */
export function isFieldName(name: string): boolean {
  return FIELD_NAME.test(name);
}

/**
 * A field name for a wire name that is not an identifier: its words in camelCase, `n` before a
 * leading digit (`X-GitHub-Api-Version` becomes `xGitHubApiVersion`).
 *
 * @example
 * ```ts
 * fieldNameFor('X-Request-Id'); // 'xRequestId'
 * ```
 */
export function fieldNameFor(name: string): string {
  if (isFieldName(name)) return name;
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words
    .map((w, i) => (i === 0 ? w[0]?.toLowerCase() + w.slice(1) : w[0]?.toUpperCase() + w.slice(1)))
    .join('');
  return /^[A-Za-z_]/.test(joined) ? joined : `n${joined}`;
}
