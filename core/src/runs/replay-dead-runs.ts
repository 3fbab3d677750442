import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { type Operator, type ReplayRefusal, replayRunsIn } from './replay-runs.js';
import type { RunView } from './run-view.js';

export type ReplayDeadOutcome =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'disabled' }
  | {
      readonly kind: 'replayed';
      readonly replayed: readonly RunView[];
      readonly refused: readonly ReplayRefusal[];
    };

/**
 * Replays every dead run of an integration that has not been replayed yet, oldest first, in
 * transactions of `batchSize` runs (each batch with its audit entries). Only runs that were dead
 * when the call began are considered, so a replay that dies again meanwhile is not replayed twice.
 */
export async function replayDeadRuns(
  db: Kysely<Database>,
  integrationId: string,
  by: Operator,
  options: { batchSize?: number } = {},
): Promise<ReplayDeadOutcome> {
  const batchSize = options.batchSize ?? 200;
  const integration = await db
    .selectFrom('integrations')
    .select('enabled')
    .where('id', '=', integrationId)
    .executeTakeFirst();
  if (!integration) return { kind: 'not-found' };
  if (!integration.enabled) return { kind: 'disabled' };
  const last = await db
    .selectFrom('runs')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('integration_id', '=', integrationId)
    .executeTakeFirst();
  const replayed: RunView[] = [];
  const refused: ReplayRefusal[] = [];
  if (last?.seq == null) return { kind: 'replayed', replayed, refused };
  let after = '0';
  for (;;) {
    const batch = await db
      .selectFrom('runs as r')
      .select(['r.id', 'r.seq'])
      .where('r.integration_id', '=', integrationId)
      .where('r.state', '=', 'dead')
      .where('r.seq', '>', after)
      .where('r.seq', '<=', String(last.seq))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('runs as n')
              .select('n.id')
              .whereRef('n.event_id', '=', 'r.event_id')
              .whereRef('n.replay_of', '=', 'r.id'),
          ),
        ),
      )
      .orderBy('r.seq')
      .limit(batchSize)
      .execute();
    if (batch.length === 0) break;
    after = String(batch[batch.length - 1]?.seq);
    const outcome = await db.transaction().execute((trx) =>
      replayRunsIn(
        trx,
        batch.map((r) => r.id),
        by,
      ),
    );
    replayed.push(...outcome.replayed);
    refused.push(...outcome.refused);
  }
  return { kind: 'replayed', replayed, refused };
}
