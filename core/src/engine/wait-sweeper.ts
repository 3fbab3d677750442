import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import { unknownOutcome } from './failure-end.js';
import { canRetry, lockWait, settleWait } from './settle-wait.js';

/** One periodic task of the sweeper: returns how many items it handled. */
export type SweepTask = { readonly name: string; run(): Promise<number> };

/**
 * Every `everyMs`, in each worker process, runs the sweep tasks in turn (deadlines of parked
 * runs, due polls, review SLAs). Each task settles what it finds under row locks, so processes
 * sweeping at the same moment never settle one item twice.
 */
export function startWaitSweeper(options: {
  logger: Logger;
  tasks: readonly SweepTask[];
  everyMs: number;
}) {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = (async () => {
      for (const task of options.tasks) {
        try {
          const handled = await task.run();
          if (handled > 0) options.logger.debug({ task: task.name, handled }, 'sweep');
        } catch (error) {
          options.logger.warn({ err: error, task: task.name }, 'sweep failed');
        }
      }
    })().finally(() => {
      busy = false;
    });
  }, options.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Waits past their deadline, oldest first (exported for the plan test of hot statements). */
export function dueWaitsQuery(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('run_waits')
    .select('id')
    .where('state', '=', 'waiting')
    .where('deadline', '<=', new Date())
    .orderBy('deadline')
    .limit(limit);
}

/**
 * Parked steps whose deadline passed follow their timeout policy: `fail` (the run is dead),
 * `retry` (a new attempt while the retry budget lasts, else dead), `continue` (the step
 * succeeds with the given output) or `unknown` (a detached non-idempotent call: an operator
 * decides). At most `limit` per sweep, oldest deadline first.
 */
export function expireWaits(db: Kysely<Database>, limit = 100): SweepTask {
  return {
    name: 'wait deadlines',
    async run() {
      const due = await dueWaitsQuery(db, limit).execute();
      let settled = 0;
      for (const { id } of due) {
        await db.transaction().execute(async (trx) => {
          const locked = await lockWait(trx, id);
          if (!locked.ok) return;
          const policy = locked.wait.on_timeout;
          const audit = {
            actor: 'system',
            action: 'wait.timeout',
            data: {
              step: `${locked.wait.route_key}/${locked.wait.step_key}`,
              deadline: locked.wait.deadline,
              policy: policy.kind,
            },
          };
          if (policy.kind === 'continue')
            await settleWait(trx, locked, { kind: 'output', output: policy.output }, audit);
          else if (policy.kind === 'unknown')
            // A detached non-idempotent call whose process stopped: it was sent, its outcome is
            // unknown; it is not sent again by itself, an operator decides.
            await settleWait(
              trx,
              locked,
              {
                kind: 'failed',
                end: { state: 'unknown', error: unknownOutcome(policy.step) },
                timedOut: true,
                stepError: {
                  kind: 'timeout',
                  name: 'WaitTimedOut',
                  message: `The call of "${policy.step}" gave no answer before its deadline.`,
                },
              },
              audit,
            );
          else
            await settleWait(
              trx,
              locked,
              {
                kind: 'timeout',
                retry: policy.kind === 'retry' && (await canRetry(trx, locked.run)),
              },
              audit,
            );
          settled++;
        });
      }
      return settled;
    },
  };
}
