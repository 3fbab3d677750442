import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** What one audit entry says: who did what to which subject, with what data. */
export interface AuditEntryInput {
  /** `token:<id>` for an API caller, `integration:<id>` for a run, `system` for Junction itself. */
  readonly actor: string;
  /** Dotted verb: `connection.create`, `integration.update`, `plugin.install`, `record.write`... */
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly integrationId?: string;
  readonly runId?: string;
  readonly requestId?: string;
  /**
   * before/after for configuration changes; input/output, connector, version, target system,
   * record type and id for data changes. Secrets must already be redacted.
   */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Appends an audit entry. Pass the transaction that makes the change, so that the entry is
 * written if and only if the change is.
 */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntryInput): Promise<void> {
  await db
    .insertInto('audit_entries')
    .values({
      actor: entry.actor,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId,
      integration_id: entry.integrationId ?? null,
      run_id: entry.runId ?? null,
      request_id: entry.requestId ?? null,
      data: entry.data === undefined ? null : JSON.stringify(entry.data),
    })
    .execute();
}
