import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A link that waits for a person, as the console lists it. */
export interface WaitingLink {
  readonly id: string;
  readonly state: string;
  readonly aKey: string | null;
  readonly bKey: string | null;
  readonly note: string | null;
  readonly updatedAt: string;
}

/** The states of links a person settles (conflicts are resolved on their own page). */
export const waitingStates = ['flagged', 'archived'] as const;

/** A page of a sync's links waiting for a person, by id after link `after`; the id to go on after. */
export async function waitingLinks(
  db: Kysely<Database>,
  syncId: string,
  page: { after?: string | undefined; limit: number },
): Promise<{ links: WaitingLink[]; next: string | undefined }> {
  let query = db
    .selectFrom('sync_links')
    .select(['id', 'state', 'a_key', 'b_key', 'note', 'updated_at'])
    .where('sync_id', '=', syncId)
    .where('state', 'in', waitingStates);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  const rows = await query
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const links = rows.slice(0, page.limit).map((r) => ({
    id: String(r.id),
    state: r.state,
    aKey: r.a_key,
    bKey: r.b_key,
    note: r.note,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
  return { links, next: rows.length > page.limit ? links.at(-1)?.id : undefined };
}
