import { InvalidInputError } from '@junction/connector-kit';
import type { LiveTable } from './table-columns.js';

/**
 * One column to write: its name, quoted name and the parameter value.
 *
 * @example
 * ```ts
 * const cell: Cell = { name: 'email', column: '`email`', value: 'ann@example.com' };
 * ```
 */
export interface Cell {
  readonly name: string;
  readonly column: string;
  readonly value: string | number | boolean | null;
}

function problem(pointer: string, message: string): InvalidInputError {
  return new InvalidInputError(`valuesJson ${message}`, { problems: [{ pointer, message }] });
}

/**
 * Parses `valuesJson` (a JSON object of column to value) and checks every column against the
 * live table. Objects and arrays are sent as JSON text (for JSON columns); every value travels as
 * a bind parameter, never inside the SQL.
 *
 * @example
 * ```ts
 * const cells = parseValues('{"email":"ann@example.com"}', table, '/valuesJson');
 * ```
 */
export function parseValues(valuesJson: string, table: LiveTable, pointer: string): Cell[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(valuesJson);
  } catch (thrown) {
    throw problem(pointer, `is not JSON: ${(thrown as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw problem(pointer, 'must be a JSON object of column names to values');
  }
  return Object.entries(parsed).map(([name, value]: [string, unknown]) => ({
    name,
    column: table.column(name, pointer),
    value:
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
        ? value
        : JSON.stringify(value),
  }));
}

/**
 * A row as JSON text, without the helper columns a query added.
 *
 * @example
 * ```ts
 * rowJson({ id: 1, __junction_u: '...' }); // '{"id":1}'
 * ```
 */
export function rowJson(row: Readonly<Record<string, unknown>>): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!k.startsWith('__junction_')) out[k] = v;
  return JSON.stringify(out);
}
