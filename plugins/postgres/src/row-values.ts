import type { JsonObject } from '@junction/connector-kit';
import type { LiveTable } from './table-columns.js';

/**
 * One column to write: its quoted name and the parameter value.
 *
 * @example
 * ```ts
 * const cell: Cell = { column: '"email"', value: 'ann@example.com' };
 * ```
 */
export interface Cell {
  readonly column: string;
  readonly value: unknown;
}

const JSON_TYPES = new Set(['json', 'jsonb']);

/**
 * Checks every column of `values` (a JSON object of column to value) against the live table.
 * JSON objects and arrays headed for json/jsonb columns are sent as JSON text; every value
 * travels as a bind parameter, never inside the SQL.
 *
 * @example
 * ```ts
 * const cells = toCells({ email: 'ann@example.com' }, table, '/values');
 * ```
 */
export function toCells(values: JsonObject, table: LiveTable, pointer: string): Cell[] {
  return Object.entries(values).map(([name, value]) => {
    const column = table.column(name, pointer);
    const json = JSON_TYPES.has(table.columns.get(name) ?? '');
    return {
      column,
      value: json && value !== null && typeof value === 'object' ? JSON.stringify(value) : value,
    };
  });
}
