import type { ColumnType } from 'kysely';

/** A timestamptz the database fills in by default. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A timestamptz that may be unset. */
export type OptionalTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** A jsonb column, written as JSON text. */
export type Json<T = unknown> = ColumnType<T, string, string>;
/** A jsonb column that may be null, written as JSON text. */
export type OptionalJson<T = unknown> = ColumnType<
  T | null,
  string | null | undefined,
  string | null
>;
