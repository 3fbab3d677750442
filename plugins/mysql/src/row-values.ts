import type { JsonObject } from '@junction/connector-kit';
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

/**
 * Checks every column of `values` (a JSON object of column to value) against the live table.
 * Objects and arrays are sent as JSON text (for JSON columns); every value travels as a bind
 * parameter, never inside the SQL.
 *
 * @example
 * ```ts
 * const cells = toCells({ email: 'ann@example.com' }, table, '/values');
 * ```
 */
export function toCells(values: JsonObject, table: LiveTable, pointer: string): Cell[] {
  return Object.entries(values).map(([name, value]) => ({
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
 * A row as a JSON object, without the helper columns a query added (values the driver gives as
 * non-JSON objects, such as buffers, become their JSON form).
 *
 * @example
 * ```ts
 * rowObject({ id: 1, __junction_u: '...' }); // { id: 1 }
 * ```
 */
export function rowObject(row: Readonly<Record<string, unknown>>): JsonObject {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (!k.startsWith('__junction_')) out[k] = v;
  return JSON.parse(JSON.stringify(out)) as JsonObject;
}
