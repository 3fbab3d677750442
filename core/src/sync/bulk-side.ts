import type { LinkSideState } from './bulk-links.js';
import type { RecordSide } from './record-client.js';
import type { SideCodec } from './side-codec.js';

type Row = Readonly<Record<string, unknown>>;

/** What backfill and reconciliation need of a side's record calls. */
export type BulkRecords = Pick<
  RecordSide,
  | 'keyField'
  | 'updatedAtField'
  | 'keyOf'
  | 'offers'
  | 'list'
  | 'count'
  | 'find'
  | 'get'
  | 'update'
  | 'delete'
  | 'createMany'
>;

/** One side of a sync as backfill and reconciliation see it. */
export interface BulkSide {
  readonly name: 'a' | 'b';
  readonly records: BulkRecords;
  readonly codec: SideCodec;
}

/**
 * The pages of a side from `cursor`, each next page requested while the caller works on the
 * one before (one page ahead at most), with the cursor that resumes after each page.
 */
export async function* sidePages(
  side: BulkSide,
  cursor: string | null,
  limit: number,
): AsyncGenerator<{ records: readonly Row[]; next: string | null }> {
  const read = (after: string | null) =>
    side.records.list(after === null ? { limit } : { cursor: after, limit });
  let pending = read(cursor);
  for (;;) {
    const page = await pending;
    const next = page.next ?? null;
    if (next !== null) {
      pending = read(next);
      // Awaited on the next turn; a consumer that stops first leaves no unhandled rejection.
      pending.catch(() => {});
    }
    yield { records: page.records, next };
    if (next === null) return;
  }
}

/** A record's state on its link (key, hash, version, base of what the sync sends from it). */
export function linkState(
  side: BulkSide,
  record: Row,
  written: boolean,
  key: string = side.records.keyOf(record),
): LinkSideState {
  return { key, ...side.codec.state(record), written };
}
