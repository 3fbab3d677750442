import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { RunPage } from '../../console/run-page.js';
import { runRecordLinks, runsPageData } from '../../console/run-page-data.js';
import { RunRows, RunsPage } from '../../console/runs-page.js';
import type { Database } from '../../db/schema.js';
import { cancelRun } from '../../runs/cancel-run.js';
import { type Decision, decideRun } from '../../runs/decide-run.js';
import { replayDeadRuns } from '../../runs/replay-dead-runs.js';
import { replayRun } from '../../runs/replay-runs.js';
import { getRunDetail } from '../../runs/run-queries.js';
import {
  back,
  type ConsoleContext,
  type ConsoleEnv,
  can,
  consolePermission,
  errorPage,
  field,
  takeFlash,
} from './console-support.js';

const operatorOf = (c: ConsoleContext) => ({
  actor: actorOf(c.get('session').principal),
  requestId: c.get('requestId'),
});

/** Console runs: the filtered list (refreshing in place), a run's timeline, replay and cancel. */
export function consoleRunPages(db: Kysely<Database>) {
  return (console: Hono<ConsoleEnv>) => {
    const read = consolePermission(db, 'read');
    const operate = consolePermission(db, 'runs:operate');

    console.get('/runs', read, async (c) => {
      const data = await runsPageData(db, c.req.query(), can(c, 'runs:operate'));
      const status = Object.keys(data.problems).length > 0 ? 400 : 200;
      return c.html(
        <RunsPage session={c.get('session')} data={data} flash={takeFlash(c)} />,
        status,
      );
    });

    console.get('/runs/rows', read, async (c) => {
      const data = await runsPageData(db, c.req.query(), can(c, 'runs:operate'));
      return c.html(<RunRows data={data} />);
    });

    console.get('/runs/:id', read, async (c) => {
      const run = await getRunDetail(db, c.req.param('id'));
      if (!run) return errorPage(c, 404, `No run with id ${c.req.param('id')}.`);
      const [integration, links, replays] = await Promise.all([
        db
          .selectFrom('integrations')
          .select('name')
          .where('id', '=', run.integration)
          .executeTakeFirst(),
        runRecordLinks(db, run),
        db
          .selectFrom('runs')
          .select(['id', 'state'])
          .where('replay_of', '=', run.id)
          .limit(10)
          .execute(),
      ]);
      return c.html(
        <RunPage
          session={c.get('session')}
          run={run}
          integrationName={integration?.name ?? run.integration}
          links={links}
          replays={replays}
          canOperate={can(c, 'runs:operate')}
          flash={takeFlash(c)}
        />,
      );
    });

    console.post('/runs/:id/replay', operate, async (c) => {
      const id = c.req.param('id');
      const here = `/console/runs/${encodeURIComponent(id)}`;
      const outcome = await replayRun(db, id, operatorOf(c));
      const [refusal] = outcome.refused;
      if (refusal) return back(c, here, 'problem', `Not replayed: ${refusal.detail}`);
      const [run] = outcome.replayed;
      if (!run) return errorPage(c, 404, `No run with id ${id}.`);
      return back(
        c,
        `/console/runs/${encodeURIComponent(run.id)}`,
        'done',
        `Replayed: this run replays ${id}.`,
      );
    });

    console.post('/runs/:id/cancel', operate, async (c) => {
      const id = c.req.param('id');
      const here = `/console/runs/${encodeURIComponent(id)}`;
      const outcome = await cancelRun(db, id, operatorOf(c));
      if (outcome.kind === 'not-found') return errorPage(c, 404, `No run with id ${id}.`);
      if (outcome.kind === 'refused')
        return back(
          c,
          here,
          'problem',
          `Only queued, pending or waiting runs can be cancelled; this run is ${outcome.state}.`,
        );
      return back(c, here, 'done', 'The run was cancelled.');
    });

    console.post('/runs/:id/decide', operate, async (c) => {
      const id = c.req.param('id');
      const here = `/console/runs/${encodeURIComponent(id)}`;
      const form = await c.req.parseBody({ all: true });
      let decision: Decision;
      if (field(form, 'decision') === 'send-again') decision = { decision: 'send-again' };
      else if (field(form, 'decision') === 'done') {
        try {
          decision = { decision: 'done', output: JSON.parse(field(form, 'output')) };
        } catch (error) {
          return back(
            c,
            here,
            'problem',
            `Not decided: the output is not valid JSON (${(error as Error).message}).`,
          );
        }
      } else return back(c, here, 'problem', 'Not decided: choose mark done or send again.');
      const outcome = await decideRun(db, id, decision, operatorOf(c));
      if (outcome.kind === 'not-found') return errorPage(c, 404, `No run with id ${id}.`);
      if (outcome.kind === 'refused')
        return back(
          c,
          here,
          'problem',
          `Only a run whose step outcome is unknown can be decided; this run is ${outcome.state}.`,
        );
      return back(
        c,
        here,
        'done',
        decision.decision === 'done'
          ? 'Marked done: the run goes on after that step.'
          : 'Sent again: the run is queued.',
      );
    });

    console.post('/integrations/:id/replay-dead', operate, async (c) => {
      const id = c.req.param('id');
      const here = `/console/runs?integration=${encodeURIComponent(id)}`;
      const outcome = await replayDeadRuns(db, id, operatorOf(c));
      if (outcome.kind === 'not-found') return errorPage(c, 404, `No integration with id ${id}.`);
      if (outcome.kind === 'disabled')
        return back(
          c,
          here,
          'problem',
          'The integration is disabled; enable it to replay its runs.',
        );
      const skipped = outcome.refused.length;
      return back(
        c,
        here,
        'done',
        `Replayed ${outcome.replayed.length} dead run(s)${skipped ? `; ${skipped} skipped` : ''}.`,
      );
    });
  };
}
