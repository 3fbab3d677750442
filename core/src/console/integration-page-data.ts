import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { IntegrationStore } from '../integrations/integration-store.js';
import { type DiscrepancyReport, discrepancyReport, type RolloutStore } from '../rollout/index.js';
import { runStats } from '../runs/run-queries.js';
import { type JsonChange, jsonDiff } from './json-diff.js';

const versionOf = (value: string | undefined) =>
  value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;

/** What the integration page shows, read for one request. */
export interface IntegrationPageData {
  readonly integration: {
    readonly id: string;
    readonly name: string;
    readonly enabled: boolean;
    readonly version: number;
    readonly revision: number;
    readonly updatedAt: string;
  };
  readonly versions: readonly { version: number; createdAt: string; createdBy: string }[];
  readonly shown: { readonly version: number; readonly definition: unknown };
  readonly diff: { from: number; to: number; changes: readonly JsonChange[] } | undefined;
  readonly counts: Readonly<Record<string, number>>;
  readonly rollout: {
    readonly stage: string;
    readonly samplePercent: number | null;
    /** The rollout's revision, which a stage change must name (as If-Match on the API). */
    readonly revision: number;
    readonly report: DiscrepancyReport;
  };
  /** The event of the run named by `sample`, to start a mapping preview from. */
  readonly sampleEvent: unknown;
}

/**
 * Reads an integration for its page: versions, the version asked for (`version`), a diff
 * (`from`, `to`), run counts, the rollout with its last 30 days' discrepancy report, and the
 * event of a run (`sample`) to preview the mappings on.
 */
export async function integrationPageData(
  deps: { db: Kysely<Database>; store: IntegrationStore; rollouts: RolloutStore },
  id: string,
  query: Record<string, string | undefined>,
): Promise<IntegrationPageData | undefined> {
  const { db, store } = deps;
  const row = await store.get(id);
  if (!row) return undefined;
  const versions = await db
    .selectFrom('integration_versions')
    .select(['version', 'created_at', 'created_by'])
    .where('integration_id', '=', row.id)
    .orderBy('version', 'desc')
    .limit(200)
    .execute();
  const known = new Set(versions.map((v) => v.version));
  const pick = (value: string | undefined, fallback: number) => {
    const v = versionOf(value);
    return v !== undefined && known.has(v) ? v : fallback;
  };
  const shown = pick(query.version, row.current_version);
  const from = query.from === undefined ? undefined : pick(query.from, row.current_version);
  const to = pick(query.to, row.current_version);
  const [definition, diff, counts, rollout, report, sampleEvent] = await Promise.all([
    store.definitionOf(row.id, shown),
    from === undefined
      ? undefined
      : Promise.all([store.definitionOf(row.id, from), store.definitionOf(row.id, to)]).then(
          ([a, b]) => ({ from, to, changes: jsonDiff(a, b) }),
        ),
    runStats(db, row.id),
    db
      .selectFrom('integration_rollouts')
      .select(['stage', 'sample_percent', 'revision'])
      .where('integration_id', '=', row.id)
      .executeTakeFirst(),
    discrepancyReport(db, row.id, { from: new Date(Date.now() - 30 * 86_400_000) }, 10),
    query.sample === undefined
      ? undefined
      : db
          .selectFrom('runs')
          .innerJoin('events', 'events.id', 'runs.event_id')
          .select('events.data')
          .where('runs.id', '=', query.sample)
          .where('runs.integration_id', '=', row.id)
          .executeTakeFirst(),
  ]);
  return {
    integration: {
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      version: row.current_version,
      revision: row.revision,
      updatedAt: new Date(row.updated_at).toISOString(),
    },
    versions: versions.map((v) => ({
      version: v.version,
      createdAt: new Date(v.created_at).toISOString(),
      createdBy: v.created_by,
    })),
    shown: { version: shown, definition },
    diff,
    counts,
    rollout: {
      stage: rollout?.stage ?? 'auto',
      samplePercent: rollout?.sample_percent ?? null,
      revision: rollout?.revision ?? 0,
      report,
    },
    sampleEvent: sampleEvent?.data,
  };
}
