import { type Kysely, sql } from 'kysely';

/**
 * A reconciliation resumes where it was after its worker dies, instead of starting again. Its
 * phase (`list:a`, `list:b`, `compare`, `stale`) already says which part is under way; `cursor`
 * says where in it: the page cursor of the side being listed, the last join key the comparison
 * has stored the drift of, or the last link id the search for links gone on both sides reached.
 * Each is saved in the transaction that stores what the page found, so a page is never counted
 * or reported twice. `total_a`/`total_b` (the sides' counts, when their record types can count,
 * else what was listed), `compared` (scratch rows merged) give its progress; `dismissed` counts
 * the differences its re-check found settled or on their way (not drift); `resumed` how often it
 * resumed. Columns with defaults or nulls: adding them rewrites nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sync_reconciliations
    add column cursor text,
    add column total_a bigint,
    add column total_b bigint,
    add column compared bigint not null default 0,
    add column dismissed bigint not null default 0,
    add column resumed integer not null default 0`.execute(db);
}
