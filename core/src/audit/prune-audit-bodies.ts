import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { recordAudit } from './record-audit.js';
import { AUDIT_SEALER_LOCK } from './seal-audit-entries.js';

export interface PruneResult {
  readonly locked: boolean;
  /** Entries whose body was dropped. */
  readonly dropped: number;
  readonly cutoff: Date;
}

/**
 * Retention: drops the bodies of sealed entries older than `retentionDays`, keeping their
 * metadata and hashes so the chain still verifies, and records the run itself as an audit entry
 * (`audit.retention`) in the same transaction. Runs under the sealer's advisory lock. Only as far
 * as the database's `audit_policy` allows (written by `junction migrate`): the audit guard refuses
 * to drop a body otherwise.
 */
export async function pruneAuditBodies(
  db: Kysely<Database>,
  options: { readonly retentionDays: number; readonly now?: Date; readonly batchSize?: number },
): Promise<PruneResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.retentionDays * 86_400_000);
  const batchSize = options.batchSize ?? 5000;
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${AUDIT_SEALER_LOCK}) as locked`.execute(trx);
    if (!rows[0]?.locked) return { locked: false, dropped: 0, cutoff };
    const result = await sql`
      update audit_entries set data = null, body_dropped_at = now()
      where id in (
        select id from audit_entries
        where at < ${cutoff} and seq is not null and body_dropped_at is null and data is not null
          and at < now() - (select make_interval(days => retention_days) from public.audit_policy)
        order by id limit ${batchSize}
      )
    `.execute(trx);
    const dropped = Number(result.numAffectedRows ?? 0);
    if (dropped > 0) {
      await recordAudit(trx, {
        actor: 'system',
        action: 'audit.retention',
        subjectType: 'audit',
        subjectId: 'retention',
        data: { retentionDays: options.retentionDays, olderThan: cutoff.toISOString(), dropped },
      });
    }
    return { locked: true, dropped, cutoff };
  });
}
