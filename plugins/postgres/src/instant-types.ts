import pg from 'pg';

const TIMESTAMPTZ = 1184;
/** What node-postgres makes of a `timestamptz` by default: a Date (postgres-date). */
const toDate = pg.types.getTypeParser(TIMESTAMPTZ, 'text');
/** `2026-12-07 10:00:00`: the part every `timestamptz` of years 1000-9999 starts with. */
const SHAPE = 'dddd-dd-dd dd:dd:dd';

/**
 * A `timestamptz` as a UTC session writes it (`2026-12-07 10:00:00.123456+00`) as the ISO 8601
 * instant `2026-12-07T10:00:00.123Z`: what node-postgres' Date and its `toISOString` give
 * (microseconds cut, not rounded), without making a Date. Any other form (another zone, BC,
 * infinity, a year before 1000 or after 9999) is read as node-postgres reads it.
 *
 * @example
 * ```ts
 * timestamptzInstant('2026-12-07 10:00:00.5+00'); // '2026-12-07T10:00:00.500Z'
 * ```
 */
export function timestamptzInstant(text: string): unknown {
  const length = text.length;
  const fraction = length === 22 ? '' : text.slice(20, length - 3);
  const shaped =
    length >= 22 &&
    length <= 29 &&
    text.endsWith('+00') &&
    text.charCodeAt(0) !== 48 &&
    (length === 22 || (text.charCodeAt(19) === 46 && /^\d+$/.test(fraction)));
  if (!shaped) return toDate(text);
  for (let i = 0; i < SHAPE.length; i++) {
    const code = text.charCodeAt(i);
    if (SHAPE[i] === 'd' ? code < 48 || code > 57 : code !== SHAPE.charCodeAt(i))
      return toDate(text);
  }
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${`${fraction}000`.slice(0, 3)}Z`;
}

/**
 * node-postgres type parsers for the statements of the `table_row` record type: `timestamptz`
 * columns come as ISO 8601 instants (see {@link timestamptzInstant}), every other type as
 * node-postgres parses it. A record holds its instants as that text anyway.
 *
 * @example
 * ```ts
 * await client.query({ text: 'select * from contacts', values: [], types: instantTypes });
 * ```
 */
export const instantTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMPTZ && format !== 'binary'
      ? timestamptzInstant
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};
