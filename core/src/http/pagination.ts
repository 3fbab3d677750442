import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { HttpProblem, problem } from './problem.js';

/** Query parameters of every list endpoint. */
export const PageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 50 }),
  cursor: z
    .string()
    .max(500)
    .optional()
    .openapi({
      param: { name: 'cursor', in: 'query' },
      description: 'nextCursor of the previous page.',
    }),
});

/** Position after the last row of a page: its sort time and id (ties broken by id). */
export interface PagePosition {
  readonly at: string;
  readonly id: string;
}

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      !Number.isNaN(Date.parse(value[0]))
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // falls through to the problem below
  }
  throw new HttpProblem(
    problem(400, 'The cursor is not one this API returned.', {
      errors: [{ in: 'query', pointer: '/cursor', detail: 'not a valid cursor' }],
    }),
  );
}

/** Cuts the extra row fetched to know whether another page follows. */
export function pageOf<T>(
  rows: T[],
  limit: number,
  position: (row: T) => PagePosition,
): { data: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { data: rows, nextCursor: null };
  const data = rows.slice(0, limit);
  return { data, nextCursor: encodeCursor(position(data[data.length - 1] as T)) };
}

/** Keyset condition for lists in creation order: rows after `after` by (created_at, id). */
export function createdAfter(after: PagePosition | undefined) {
  return after
    ? sql<boolean>`(created_at, id) > (${new Date(after.at)}, ${after.id})`
    : sql<boolean>`true`;
}

/** The page position of a row listed in creation order. */
export function creationPosition(row: { created_at: Date; id: string }): PagePosition {
  return { at: new Date(row.created_at).toISOString(), id: row.id };
}

/**
 * A page of rows listed by `seq` (a stable order: the cursor is the last row's seq): cuts the
 * extra row fetched to know whether another page follows.
 */
export function seqPage<T extends { readonly createdAt: string }>(
  rows: readonly T[],
  seqs: readonly string[],
  limit: number,
): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return {
    data,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ at: last.createdAt, id: seqs[data.length - 1] as string })
        : null,
  };
}

/** The seq a cursor of `seqPage` names (400 for any other cursor), undefined without one. */
export function cursorSeq(cursor: string | undefined): string | undefined {
  const position = decodeCursor(cursor);
  if (position === undefined) return undefined;
  if (!/^\d{1,19}$/.test(position.id)) decodeCursor('not a cursor'); // throws the 400 problem
  return position.id;
}
