import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { bodyHashOf, chainHashOf, contentHashOf, GENESIS_HASH } from './audit-hash.js';

/** Advisory lock key held (per transaction) by whichever process seals or prunes the trail. */
export const AUDIT_SEALER_LOCK = 7_231_007;

export interface SealResult {
  /** false when another process held the sealer lock, so this call did nothing. */
  readonly locked: boolean;
  readonly sealed: number;
}

/**
 * Links up to `batchSize` committed, unsealed entries into the chain, in id order, in one
 * transaction under an advisory lock: only one sealer works at a time across processes, and
 * writers never wait for it.
 */
export async function sealAuditEntries(
  db: Kysely<Database>,
  batchSize = 1000,
): Promise<SealResult> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${AUDIT_SEALER_LOCK}) as locked`.execute(trx);
    if (!rows[0]?.locked) return { locked: false, sealed: 0 };

    const pending = await trx
      .selectFrom('audit_entries')
      .select([
        'id',
        'at',
        'actor',
        'action',
        'subject_type',
        'subject_id',
        'integration_id',
        'run_id',
        'request_id',
        // As text, parsed one entry at a time below: a batch of a thousand bodies held as
        // objects while the batch is hashed and written outlives the young generation and fills
        // the old one (peak memory, and garbage collection for every run).
        sql<string | null>`data::text`.as('data'),
      ])
      .where('seq', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (pending.length === 0) return { locked: true, sealed: 0 };

    const head = await trx
      .selectFrom('audit_entries')
      .select(['seq', 'hash'])
      .where('seq', 'is not', null)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    let seq = head ? Number(head.seq) : 0;
    let prev = head?.hash ?? GENESIS_HASH;

    const ids: string[] = [];
    const seqs: string[] = [];
    const prevs: Buffer[] = [];
    const hashes: Buffer[] = [];
    const bodyHashes: Array<Buffer | null> = [];
    const contentHashes: Buffer[] = [];
    for (const row of pending) {
      // The sealer computes every hash itself, from what is stored (an entry may not bring its own).
      const bodyHash = bodyHashOf(row.data === null ? null : JSON.parse(row.data));
      const contentHash = contentHashOf({
        at: row.at,
        actor: row.actor,
        action: row.action,
        subjectType: row.subject_type,
        subjectId: row.subject_id,
        integrationId: row.integration_id,
        runId: row.run_id,
        requestId: row.request_id,
        bodyHash,
      });
      seq += 1;
      const hash = chainHashOf(prev, seq, contentHash);
      ids.push(row.id);
      seqs.push(String(seq));
      prevs.push(prev);
      hashes.push(hash);
      bodyHashes.push(bodyHash);
      contentHashes.push(contentHash);
      prev = hash;
    }
    const sealed = pending.length;
    pending.length = 0;
    await sql`
      update audit_entries a
      set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, sealed_at = now(),
          body_hash = v.body_hash, content_hash = v.content_hash
      from unnest(${ids}::bigint[], ${seqs}::bigint[], ${prevs}::bytea[], ${hashes}::bytea[],
                  ${bodyHashes}::bytea[], ${contentHashes}::bytea[])
        as v(id, seq, prev_hash, hash, body_hash, content_hash)
      where a.id = v.id
    `.execute(trx);
    return { locked: true, sealed };
  });
}
