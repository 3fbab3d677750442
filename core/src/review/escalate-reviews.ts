import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { EventIngestor } from '../engine/event-ingestor.js';
import type { SweepTask } from '../engine/wait-sweeper.js';
import { claimant } from './review-view.js';

/** Open review items past their SLA, not escalated yet (exported for the plan test). */
export function dueEscalationsQuery(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('review_items')
    .selectAll()
    .where('state', '=', 'open')
    .where('escalated_at', 'is', null)
    .where('sla_due_at', '<=', new Date())
    .orderBy('sla_due_at')
    .limit(limit);
}

/**
 * Review items waiting past their integration's SLA are escalated once: a `review-escalated`
 * event (dedupe key `review-escalated:<item>`) is stored for every enabled integration triggered
 * by `junction`/`review-escalated`, then the item is marked escalated with its audit entry. The
 * events go first: a process stopped in between stores them again, as duplicates that change
 * nothing, and marks the item on the next sweep.
 */
export function escalateReviews(
  db: Kysely<Database>,
  ingestor: EventIngestor,
  limit = 100,
): SweepTask {
  return {
    name: 'review SLAs',
    async run() {
      const due = await dueEscalationsQuery(db, limit).execute();
      if (due.length === 0) return 0;
      const { rows: routes } = await sql<{ id: string }>`
        select i.id from integrations i
        join integration_versions v on v.integration_id = i.id and v.version = i.current_version
        where i.enabled and v.definition->'trigger'->>'connector' = 'junction'
          and v.definition->'trigger'->>'trigger' = 'review-escalated'`.execute(db);
      const now = Date.now();
      const events = due.flatMap((item) => {
        const created = new Date(item.created_at);
        const data = {
          reviewId: item.id,
          integrationId: item.integration_id,
          runId: item.run_id,
          step: `${item.route_key}/${item.step_key}`,
          ...(item.confidence === null ? {} : { confidence: item.confidence }),
          waitingSeconds: Math.round((now - created.getTime()) / 1000),
          slaSeconds: Math.round(
            (new Date(item.sla_due_at as Date).getTime() - created.getTime()) / 1000,
          ),
          createdAt: created.toISOString(),
          ...(claimant(item) ? { assignee: claimant(item) as string } : {}),
        };
        return routes.map((r) => ({
          integrationId: r.id,
          dedupeKey: `review-escalated:${item.id}`,
          sourceRecord: null,
          data,
        }));
      });
      if (events.length > 0) await ingestor.ingest(events);
      let marked = 0;
      for (const item of due) {
        await db.transaction().execute(async (trx) => {
          const updated = await trx
            .updateTable('review_items')
            .set({ escalated_at: new Date() })
            .where('id', '=', item.id)
            .where('state', '=', 'open')
            .where('escalated_at', 'is', null)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) return;
          await recordAudit(trx, {
            actor: 'system',
            action: 'review.escalate',
            subjectType: 'review',
            subjectId: item.id,
            integrationId: item.integration_id,
            runId: item.run_id,
            data: { slaDueAt: item.sla_due_at, routedTo: routes.map((r) => r.id) },
          });
          marked++;
        });
      }
      return marked;
    },
  };
}
