import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { ConfigProblem } from '../../connections/config-problem.js';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import { DiscrepancyPage } from '../../console/discrepancy-page.js';
import { integrationPageData } from '../../console/integration-page-data.js';
import { IntegrationPage, IntegrationsPage } from '../../console/integrations-page.js';
import { type PreviewState, previewDefinition } from '../../console/mapping-preview-data.js';
import type { Database } from '../../db/schema.js';
import type { RolloutStage } from '../../db/tables/rollout-tables.js';
import type { IntegrationStore } from '../../integrations/integration-store.js';
import {
  explainDiscrepancy,
  type RolloutStore,
  rolloutStages,
  toDiscrepancyView,
} from '../../rollout/index.js';
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

const by = (c: ConsoleContext) => ({
  actor: actorOf(c.get('session').principal),
  requestId: c.get('requestId'),
});

/** A stage change's refusal in a sentence (the API's 409/412/422 in words). */
function stageRefusal(error: ConfigProblem): string {
  if (error.status === 412) return 'The rollout changed meanwhile; here it is as it is now.';
  const details = error.problems.map((p) => p.detail).join('; ');
  return `Not changed: ${details || error.message}`;
}

/**
 * Console integrations: the list; one integration's versions, definition, diff and mapping
 * preview; enable/disable and the rollout stage (each behind a confirmation); the shadow report's
 * discrepancies, each explainable.
 */
export function consoleIntegrationPages(deps: {
  db: Kysely<Database>;
  store: IntegrationStore;
  rollouts: RolloutStore;
  connectors: ConnectorSource;
}) {
  const { db, store } = deps;
  return (console: Hono<ConsoleEnv>) => {
    const read = consolePermission(db, 'read');
    const write = consolePermission(db, 'config:write');

    console.get('/integrations', read, async (c) => {
      const rows = await db
        .selectFrom('integrations')
        .select(['id', 'name', 'enabled', 'current_version', 'updated_at'])
        .orderBy('name')
        .limit(500)
        .execute();
      return c.html(
        <IntegrationsPage
          session={c.get('session')}
          integrations={rows.map((r) => ({
            id: r.id,
            name: r.name,
            enabled: r.enabled,
            version: r.current_version,
            updatedAt: new Date(r.updated_at).toISOString(),
          }))}
        />,
      );
    });

    async function page(
      c: ConsoleContext,
      query: Record<string, string | undefined>,
      preview?: (definition: unknown) => PreviewState,
    ) {
      const data = await integrationPageData(deps, c.req.param('id') ?? '', query);
      if (!data) return errorPage(c, 404, `No integration with id ${c.req.param('id')}.`);
      const state = preview?.(data.shown.definition) ?? {
        text: JSON.stringify({ event: data.sampleEvent ?? {} }, null, 2),
      };
      return c.html(
        <IntegrationPage
          session={c.get('session')}
          data={data}
          canWrite={can(c, 'config:write')}
          canOperate={can(c, 'runs:operate')}
          preview={state}
          flash={takeFlash(c)}
        />,
        state.problem ? 422 : 200,
      );
    }

    console.get('/integrations/:id', read, (c) => page(c, c.req.query()));

    // A preview changes nothing: reading is enough (a POST for sample data of any size).
    console.post('/integrations/:id/preview', read, async (c) => {
      const form = await c.req.parseBody({ all: true });
      const text = field(form, 'data');
      return page(c, { version: field(form, 'version') }, (definition) =>
        previewDefinition(deps.connectors, definition, text),
      );
    });

    for (const enabled of [true, false]) {
      console.post(`/integrations/:id/${enabled ? 'enable' : 'disable'}`, write, async (c) => {
        const row = await store.get(c.req.param('id'));
        if (!row) return errorPage(c, 404, `No integration with id ${c.req.param('id')}.`);
        const here = `/console/integrations/${encodeURIComponent(row.id)}`;
        const form = await c.req.parseBody({ all: true });
        if (Number(field(form, 'revision')) !== row.revision)
          return back(
            c,
            here,
            'problem',
            'The integration changed meanwhile; here it is as it is now.',
          );
        await store.setEnabled(row, enabled, by(c));
        return back(c, here, 'done', enabled ? 'Enabled.' : 'Disabled.');
      });
    }

    console.post('/integrations/:id/stage', write, async (c) => {
      const row = await store.get(c.req.param('id'));
      if (!row) return errorPage(c, 404, `No integration with id ${c.req.param('id')}.`);
      const here = `/console/integrations/${encodeURIComponent(row.id)}`;
      const form = await c.req.parseBody({ all: true });
      const stage = field(form, 'stage') as RolloutStage;
      if (!rolloutStages.includes(stage))
        return back(c, here, 'problem', `Not changed: choose one of ${rolloutStages.join(', ')}.`);
      const percentText = field(form, 'samplePercent').trim();
      const samplePercent = Number(percentText);
      if (stage === 'sampled' && !(samplePercent > 0 && samplePercent <= 100))
        return back(
          c,
          here,
          'problem',
          'Not changed: the sampled stage needs a share over 0 and at most 100 %.',
        );
      const reason = field(form, 'reason').trim().slice(0, 1000);
      const override = field(form, 'override').trim().slice(0, 1000);
      const revision = Number(field(form, 'revision'));
      try {
        const view = await deps.rollouts.change(
          row.id,
          Number.isInteger(revision) ? revision : -1,
          {
            stage,
            ...(stage === 'sampled' ? { samplePercent } : {}),
            ...(reason ? { reason } : {}),
            ...(override ? { override: { reason: override } } : {}),
          },
          by(c),
        );
        return back(c, here, 'done', `The stage is now ${view.stage}.`);
      } catch (error) {
        if (error instanceof ConfigProblem) return back(c, here, 'problem', stageRefusal(error));
        throw error;
      }
    });

    console.get('/discrepancies/:id', read, async (c) => {
      const row = await db
        .selectFrom('rollout_discrepancies')
        .selectAll()
        .where('id', '=', c.req.param('id'))
        .executeTakeFirst();
      if (!row) return errorPage(c, 404, `No discrepancy with id ${c.req.param('id')}.`);
      const d = toDiscrepancyView(row);
      const integration = await store.get(d.integration);
      return c.html(
        <DiscrepancyPage
          session={c.get('session')}
          d={d}
          integrationName={integration?.name ?? d.integration}
          canExplain={can(c, 'runs:operate')}
          flash={takeFlash(c)}
        />,
      );
    });

    console.post('/discrepancies/:id/explain', consolePermission(db, 'runs:operate'), async (c) => {
      const id = c.req.param('id');
      const here = `/console/discrepancies/${encodeURIComponent(id)}`;
      const form = await c.req.parseBody({ all: true });
      const reason = field(form, 'reason').trim();
      if (!reason || reason.length > 1000)
        return back(
          c,
          here,
          'problem',
          'Say in 1 to 1000 characters why the difference is expected.',
        );
      const result = await explainDiscrepancy(db, id, reason, by(c));
      if (result.kind === 'not-found') return errorPage(c, 404, `No discrepancy with id ${id}.`);
      if (result.kind === 'explained')
        return back(c, here, 'problem', 'The discrepancy is explained already.');
      return back(c, here, 'done', 'Marked explained.');
    });
  };
}
