import { InvalidInputError } from '@junction/connector-kit';
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
 * Parses `valuesJson` (a JSON object of column to value) and checks every column against the
 * live table. JSON objects and arrays headed for json/jsonb columns are sent as JSON text;
 * every value travels as a bind parameter, never inside the SQL.
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
    const message = `is not JSON: ${(thrown as Error).message}`;
    throw new InvalidInputError(`valuesJson ${message}`, { problems: [{ pointer, message }] });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const message = 'must be a JSON object of column names to values';
    throw new InvalidInputError(`valuesJson ${message}`, { problems: [{ pointer, message }] });
  }
  return Object.entries(parsed).map(([name, value]) => {
    const column = table.column(name, `${pointer}`);
    const json = JSON_TYPES.has(table.columns.get(name) ?? '');
    return {
      column,
      value: json && value !== null && typeof value === 'object' ? JSON.stringify(value) : value,
    };
  });
}
