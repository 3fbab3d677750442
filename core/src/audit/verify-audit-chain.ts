import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AuditEntriesTable } from '../db/tables/audit-tables.js';
import { bodyHashOf, chainHashOf, contentHashOf, GENESIS_HASH } from './audit-hash.js';

/** Why one link of the chain does not hold. */
export type BrokenLinkReason =
  | 'seq-gap'
  | 'prev-hash-mismatch'
  | 'body-hash-mismatch'
  | 'content-hash-mismatch'
  | 'hash-mismatch';

/** The first entry at which the chain does not verify. */
export interface BrokenLink {
  readonly id: string;
  readonly seq: number;
  readonly reason: BrokenLinkReason;
  /** A plain sentence naming the entry and what is wrong with it. */
  readonly message: string;
}

/** What a walk of the whole chain found. */
export interface AuditVerification {
  readonly ok: boolean;
  /** Sealed entries checked (up to and including the broken one). */
  readonly checked: number;
  /** Entries written but not yet linked into the chain: not an error, the sealer will link them. */
  readonly unsealed: number;
  /** The last link checked; anchor it elsewhere to detect a rewrite of the whole chain later. */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly brokenLink: BrokenLink | null;
}

const reasons: Record<BrokenLinkReason, string> = {
  'seq-gap': 'the sequence has a gap or a repeat before it',
  'prev-hash-mismatch': 'its previous hash is not the hash of the entry before it',
  'body-hash-mismatch': 'its body does not match its body hash (the body was altered)',
  'content-hash-mismatch':
    'its content (time, actor, action, subject or body hash) does not match its content hash',
  'hash-mismatch': 'its hash does not cover its content and the previous hash',
};

/**
 * Walks the chain in seq order, in batches (constant memory), and stops at the first link that
 * does not verify. Bodies dropped by retention are checked through their kept body hash.
 */
export async function verifyAuditChain(
  db: Kysely<Database>,
  batchSize = 2000,
): Promise<AuditVerification> {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let checked = 0;
  let head: AuditVerification['head'] = null;
  let brokenLink: BrokenLink | null = null;

  walk: for (;;) {
    const rows = await db
      .selectFrom('audit_entries')
      .selectAll()
      .where('seq', '>=', String(expectedSeq))
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      const reason = checkRow(row, seq, expectedSeq, prev);
      checked += 1;
      if (reason) {
        brokenLink = {
          id: row.id,
          seq,
          reason,
          message: `The audit chain is broken at entry #${seq} (id ${row.id}, ${row.action} on ${row.subject_type} ${row.subject_id}): ${reasons[reason]}.`,
        };
        break walk;
      }
      prev = row.hash as Buffer;
      head = { seq, hash: prev.toString('hex') };
      expectedSeq = seq + 1;
    }
    if (rows.length < batchSize) break;
  }
  const unsealed = await db
    .selectFrom('audit_entries')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('seq', 'is', null)
    .executeTakeFirstOrThrow();
  return { ok: brokenLink === null, checked, unsealed: Number(unsealed.n), head, brokenLink };
}

type Row = Selectable<AuditEntriesTable>;

function checkRow(
  row: Row,
  seq: number,
  expectedSeq: number,
  prev: Buffer,
): BrokenLinkReason | null {
  if (seq !== expectedSeq) return 'seq-gap';
  if (!row.prev_hash?.equals(prev)) return 'prev-hash-mismatch';
  if (row.body_dropped_at === null) {
    const bodyHash = bodyHashOf(row.data);
    const same =
      bodyHash === null
        ? row.body_hash === null
        : bodyHash.equals(row.body_hash ?? Buffer.alloc(0));
    if (!same) return 'body-hash-mismatch';
  }
  const contentHash = contentHashOf({
    at: row.at,
    actor: row.actor,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    integrationId: row.integration_id,
    runId: row.run_id,
    requestId: row.request_id,
    bodyHash: row.body_hash,
  });
  if (!row.content_hash || !contentHash.equals(row.content_hash)) return 'content-hash-mismatch';
  if (!row.hash || !chainHashOf(prev, seq, row.content_hash).equals(row.hash))
    return 'hash-mismatch';
  return null;
}
