import { type Kysely, type Selectable, sql } from 'kysely';
import { csvCell } from '../audit/query-audit-entries.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../connections/connection-store.js';
import type { Database } from '../db/schema.js';
import type { DiscrepancyKind, RolloutDiscrepanciesTable } from '../db/tables/rollout-tables.js';

/** The shadow writes a report covers: those made (intended) in [from, to). */
export interface ReportWindow {
  readonly from?: Date;
  readonly to?: Date;
}

/** One discrepancy as the API shows it. */
export interface DiscrepancyView {
  readonly id: string;
  readonly integration: string;
  readonly run: string;
  readonly step: string;
  readonly targetKey: string | null;
  readonly kind: DiscrepancyKind;
  /** JSON pointer into the intended input, for `field`. */
  readonly field: string | null;
  readonly intended: unknown;
  readonly actual: unknown;
  readonly explained: { readonly by: string; readonly at: string; readonly reason: string } | null;
  readonly createdAt: string;
}

/** What a shadow period showed for one integration. */
export interface DiscrepancyReport {
  readonly integration: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly writes: {
    readonly intended: number;
    readonly pending: number;
    readonly compared: number;
    readonly matched: number;
    readonly discrepant: number;
    readonly unreadable: number;
  };
  /** matched / compared (null before any comparison). */
  readonly matchRate: number | null;
  readonly discrepancies: {
    readonly total: number;
    readonly open: number;
    readonly explained: number;
    readonly byKind: Readonly<Record<DiscrepancyKind, number>>;
    readonly byField: readonly { field: string; total: number; open: number }[];
  };
  /** Up to `examples` discrepancies, open ones first, newest first. */
  readonly examples: readonly DiscrepancyView[];
}

type Row = Selectable<RolloutDiscrepanciesTable>;

export function toDiscrepancyView(row: Row): DiscrepancyView {
  return {
    id: row.id,
    integration: row.integration_id,
    run: row.run_id,
    step: row.step_key,
    targetKey: row.target_key,
    kind: row.kind,
    field: row.field,
    intended: row.intended ?? null,
    actual: row.actual ?? null,
    explained:
      row.explained_at === null
        ? null
        : {
            by: row.explained_by ?? '',
            at: new Date(row.explained_at).toISOString(),
            reason: row.explanation ?? '',
          },
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The discrepancies of the shadow writes in the window, open first, newest first. */
function discrepanciesIn(db: Kysely<Database>, integrationId: string, window: ReportWindow) {
  let query = db
    .selectFrom('rollout_discrepancies as d')
    .innerJoin('shadow_writes as w', 'w.id', 'd.shadow_write_id')
    .selectAll('d')
    .where('d.integration_id', '=', integrationId);
  if (window.from) query = query.where('w.created_at', '>=', window.from);
  if (window.to) query = query.where('w.created_at', '<', window.to);
  return query.orderBy(sql`d.explained_at is not null`).orderBy('d.seq', 'desc');
}

/** The report of an integration's shadow writes in a window. */
export async function discrepancyReport(
  db: Kysely<Database>,
  integrationId: string,
  window: ReportWindow,
  examples = 20,
): Promise<DiscrepancyReport> {
  const from = window.from ?? null;
  const to = window.to ?? null;
  const { rows } = await sql<{ outcome: string | null; n: number }>`
    select outcome, count(*)::int as n from shadow_writes
    where integration_id = ${integrationId}
      and (${from}::timestamptz is null or created_at >= ${from})
      and (${to}::timestamptz is null or created_at < ${to})
    group by outcome`.execute(db);
  const count = (o: string | null) => rows.find((r) => r.outcome === o)?.n ?? 0;
  const matched = count('match');
  const discrepant = count('discrepancy');
  const all = await discrepanciesIn(db, integrationId, window).execute();
  const byKind: Record<DiscrepancyKind, number> = { missing: 0, extra: 0, field: 0 };
  const fields = new Map<string, { field: string; total: number; open: number }>();
  for (const d of all) {
    byKind[d.kind] += 1;
    if (d.field === null) continue;
    const entry = fields.get(d.field) ?? { field: d.field, total: 0, open: 0 };
    entry.total += 1;
    if (d.explained_at === null) entry.open += 1;
    fields.set(d.field, entry);
  }
  const open = all.filter((d) => d.explained_at === null).length;
  return {
    integration: integrationId,
    from: from?.toISOString() ?? null,
    to: to?.toISOString() ?? null,
    writes: {
      intended: rows.reduce((n, r) => n + r.n, 0),
      pending: count(null),
      compared: matched + discrepant,
      matched,
      discrepant,
      unreadable: count('unreadable'),
    },
    matchRate: matched + discrepant === 0 ? null : matched / (matched + discrepant),
    discrepancies: {
      total: all.length,
      open,
      explained: all.length - open,
      byKind,
      byField: [...fields.values()].sort(
        (a, b) => b.total - a.total || (a.field < b.field ? -1 : 1),
      ),
    },
    examples: all.slice(0, examples).map(toDiscrepancyView),
  };
}

/** The CSV columns of `discrepancyLines`. */
export const discrepancyCsvColumns = [
  'id',
  'integration',
  'run',
  'step',
  'target_key',
  'kind',
  'field',
  'intended',
  'actual',
  'explained_by',
  'explained_at',
  'explanation',
  'created_at',
] as const;

/** Every discrepancy of the window as NDJSON lines, or CSV lines after a header row. */
export async function* discrepancyLines(
  db: Kysely<Database>,
  integrationId: string,
  window: ReportWindow,
  csv: boolean,
): AsyncGenerator<string> {
  if (csv) yield `${discrepancyCsvColumns.join(',')}\r\n`;
  let before: string | undefined;
  for (;;) {
    let query = discrepanciesIn(db, integrationId, window).limit(500);
    if (before !== undefined) query = query.where('d.seq', '<', before);
    // Pages by seq alone (newest first), so open and explained ones interleave here.
    const rows = await query.clearOrderBy().orderBy('d.seq', 'desc').execute();
    for (const row of rows) {
      const v = toDiscrepancyView(row);
      if (!csv) yield `${JSON.stringify(v)}\n`;
      else {
        const cells = [
          v.id,
          v.integration,
          v.run,
          v.step,
          v.targetKey,
          v.kind,
          v.field,
          JSON.stringify(v.intended),
          JSON.stringify(v.actual),
          v.explained?.by ?? null,
          v.explained?.at ?? null,
          v.explained?.reason ?? null,
          v.createdAt,
        ];
        yield `${cells.map(csvCell).join(',')}\r\n`;
      }
    }
    if (rows.length < 500) return;
    before = String(rows[rows.length - 1]?.seq);
  }
}

/** Marks a discrepancy explained (a known difference), audited; undefined if there is none. */
export async function explainDiscrepancy(
  db: Kysely<Database>,
  id: string,
  reason: string,
  by: Actor,
): Promise<{ kind: 'ok'; view: DiscrepancyView } | { kind: 'not-found' } | { kind: 'explained' }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('rollout_discrepancies')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { kind: 'not-found' };
    if (row.explained_at !== null) return { kind: 'explained' };
    const updated = await trx
      .updateTable('rollout_discrepancies')
      .set({ explained_at: new Date(), explained_by: by.actor, explanation: reason })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: by.actor,
      action: 'rollout.discrepancy.explain',
      subjectType: 'discrepancy',
      subjectId: id,
      integrationId: row.integration_id,
      runId: row.run_id,
      requestId: by.requestId,
      data: { kind: row.kind, field: row.field, targetKey: row.target_key, reason },
    });
    return { kind: 'ok', view: toDiscrepancyView(updated) };
  });
}
