import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AuditEntriesTable } from '../db/tables/audit-tables.js';
import { canonicalJson } from './canonical-json.js';

/** Which entries a query or an export wants; every member narrows, together they all apply. */
export interface AuditFilter {
  readonly subjectType?: string;
  readonly subjectId?: string;
  readonly integrationId?: string;
  readonly runId?: string;
  readonly actor?: string;
  /** An exact action (`token.create`), or a prefix ending in `*` (`token.*`). */
  readonly action?: string;
  /** Inclusive lower bound of `at`. */
  readonly from?: Date;
  /** Exclusive upper bound of `at`. */
  readonly to?: Date;
  /** Only entries with an id greater than this (keyset pagination). */
  readonly afterId?: string;
}

export type AuditEntryRow = Selectable<AuditEntriesTable>;

/** The entries matching `filter`, oldest first (by id), as a query to limit or batch. */
export function selectAuditEntries(
  db: Kysely<Database>,
  filter: AuditFilter,
): SelectQueryBuilder<Database, 'audit_entries', AuditEntryRow> {
  let query = db.selectFrom('audit_entries').selectAll().orderBy('id');
  if (filter.subjectType !== undefined)
    query = query.where('subject_type', '=', filter.subjectType);
  if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId);
  if (filter.integrationId !== undefined) {
    query = query.where('integration_id', '=', filter.integrationId);
  }
  if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  if (filter.action !== undefined) {
    if (filter.action.endsWith('*')) {
      const prefix = filter.action.slice(0, -1).replace(/[\\%_]/g, (ch) => `\\${ch}`);
      query = query.where('action', 'like', `${prefix}%`);
    } else {
      query = query.where('action', '=', filter.action);
    }
  }
  if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('at', '<', filter.to);
  if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
  return query;
}

/**
 * Every matching entry, read in keyset batches of `batchSize`, so an export of years of entries
 * holds one batch in memory at a time.
 */
export async function* streamAuditEntries(
  db: Kysely<Database>,
  filter: AuditFilter,
  batchSize = 500,
): AsyncGenerator<AuditEntryRow> {
  let afterId = filter.afterId;
  for (;;) {
    const rows = await selectAuditEntries(db, { ...filter, afterId })
      .limit(batchSize)
      .execute();
    yield* rows;
    if (rows.length < batchSize) return;
    afterId = (rows[rows.length - 1] as AuditEntryRow).id;
  }
}

const hex = (value: Buffer | null) => (value ? value.toString('hex') : null);
const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

/** An entry as the API and the NDJSON export show it. */
export function auditEntryToJson(row: AuditEntryRow) {
  return {
    id: row.id,
    seq: row.seq === null ? null : Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    subject: { type: row.subject_type, id: row.subject_id },
    integrationId: row.integration_id,
    runId: row.run_id,
    requestId: row.request_id,
    data: (row.data ?? null) as Record<string, unknown> | null,
    bodyDroppedAt: iso(row.body_dropped_at),
    bodyHash: hex(row.body_hash),
    contentHash: hex(row.content_hash),
    prevHash: hex(row.prev_hash),
    hash: hex(row.hash),
    sealedAt: iso(row.sealed_at),
  };
}

/** Columns of the CSV export, in order. */
export const auditCsvColumns = [
  'id',
  'seq',
  'at',
  'actor',
  'action',
  'subject_type',
  'subject_id',
  'integration_id',
  'run_id',
  'request_id',
  'data',
  'body_dropped_at',
  'body_hash',
  'content_hash',
  'prev_hash',
  'hash',
  'sealed_at',
] as const;

/** One RFC 4180 CSV cell: quoted when it holds a quote, a comma or a line break. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One CSV line (RFC 4180, CRLF) for an entry; `data` is its canonical JSON text, whose SHA-256 is
 * the body hash.
 */
export function auditEntryToCsv(row: AuditEntryRow): string {
  const json = auditEntryToJson(row);
  const cells = [
    json.id,
    json.seq,
    json.at,
    json.actor,
    json.action,
    json.subject.type,
    json.subject.id,
    json.integrationId,
    json.runId,
    json.requestId,
    json.data === null ? null : canonicalJson(json.data),
    json.bodyDroppedAt,
    json.bodyHash,
    json.contentHash,
    json.prevHash,
    json.hash,
    json.sealedAt,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}
