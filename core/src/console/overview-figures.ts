import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { runStates } from '../runs/run-view.js';

/** What the overview shows: one integration's line, and the whole system's figures. */
export interface OverviewFigures {
  readonly integrations: readonly {
    readonly id: string;
    readonly name: string;
    readonly enabled: boolean;
    /** Its rollout stage (auto when it never had one). */
    readonly stage: string;
    readonly version: number;
    readonly lastHour: number;
    readonly lastDay: number;
    readonly dead: number;
    readonly waiting: number;
  }[];
  /** Runs created in the last hour and day, by state (every state, zeros included). */
  readonly lastHour: Readonly<Record<string, number>>;
  readonly lastDay: Readonly<Record<string, number>>;
  readonly dead: number;
  readonly waiting: number;
  readonly openReviews: number;
  /** graphile-worker jobs due now and not locked. */
  readonly queueDepth: number;
  /** Worker processes whose heartbeat is recent. */
  readonly workersAlive: number;
}

/** How recent a heartbeat must be to count a worker as alive (six default beats). */
const aliveSeconds = 30;

/** The overview's figures in a few aggregate queries (bounded by the number of integrations). */
export async function overviewFigures(db: Kysely<Database>): Promise<OverviewFigures> {
  const [byState, byIntegration, integrations, system] = await Promise.all([
    db
      .selectFrom('runs')
      .select((eb) => [
        'state',
        sql<string>`count(*) filter (where created_at > now() - interval '1 hour')`.as('hour'),
        eb.fn.countAll<string>().as('day'),
      ])
      .where('created_at', '>', sql<Date>`now() - interval '1 day'`)
      .groupBy('state')
      .execute(),
    db
      .selectFrom('runs')
      .select([
        'integration_id',
        sql<string>`count(*) filter (where created_at > now() - interval '1 hour')`.as('hour'),
        sql<string>`count(*) filter (where created_at > now() - interval '1 day')`.as('day'),
        sql<string>`count(*) filter (where state = 'dead')`.as('dead'),
        sql<string>`count(*) filter (where state = 'waiting')`.as('waiting'),
      ])
      .where((eb) =>
        eb.or([
          eb('created_at', '>', sql<Date>`now() - interval '1 day'`),
          eb('state', 'in', ['dead', 'waiting']),
        ]),
      )
      .groupBy('integration_id')
      .execute(),
    db
      .selectFrom('integrations as i')
      .leftJoin('integration_rollouts as r', 'r.integration_id', 'i.id')
      .select(['i.id', 'i.name', 'i.enabled', 'i.current_version', 'r.stage'])
      .orderBy('i.name')
      .limit(500)
      .execute(),
    sql<{ dead: string; waiting: string; reviews: string; depth: string; workers: string }>`
      select (select count(*) from runs where state = 'dead') as dead,
             (select count(*) from runs where state = 'waiting') as waiting,
             (select count(*) from review_items where state = 'open') as reviews,
             (select count(*) from graphile_worker._private_jobs
               where is_available and run_at <= now()) as depth,
             (select count(*) from worker_heartbeats
               where seen_at > now() - make_interval(secs => ${aliveSeconds})) as workers`.execute(
      db,
    ),
  ]);
  const zero = () => Object.fromEntries(runStates.map((s) => [s, 0])) as Record<string, number>;
  const lastHour = zero();
  const lastDay = zero();
  for (const row of byState) {
    lastHour[row.state] = Number(row.hour);
    lastDay[row.state] = Number(row.day);
  }
  const per = new Map(byIntegration.map((r) => [r.integration_id, r]));
  const figures = system.rows[0];
  return {
    integrations: integrations.map((i) => {
      const r = per.get(i.id);
      return {
        id: i.id,
        name: i.name,
        enabled: i.enabled,
        stage: i.stage ?? 'auto',
        version: i.current_version,
        lastHour: Number(r?.hour ?? 0),
        lastDay: Number(r?.day ?? 0),
        dead: Number(r?.dead ?? 0),
        waiting: Number(r?.waiting ?? 0),
      };
    }),
    lastHour,
    lastDay,
    dead: Number(figures?.dead ?? 0),
    waiting: Number(figures?.waiting ?? 0),
    openReviews: Number(figures?.reviews ?? 0),
    queueDepth: Number(figures?.depth ?? 0),
    workersAlive: Number(figures?.workers ?? 0),
  };
}
