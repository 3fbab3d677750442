import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { IntegrationPage, IntegrationsPage } from '../../console/integrations-page.js';
import { jsonDiff } from '../../console/json-diff.js';
import type { Database } from '../../db/schema.js';
import type { IntegrationStore } from '../../integrations/integration-store.js';
import { discrepancyReport } from '../../rollout/index.js';
import { runStats } from '../../runs/run-queries.js';
import {
  back,
  type ConsoleEnv,
  can,
  consolePermission,
  errorPage,
  field,
  takeFlash,
} from './console-support.js';

const versionOf = (value: string | undefined) =>
  value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;

/** Console integrations: the list, one integration's versions, definition and diff, enable/disable. */
export function consoleIntegrationPages(db: Kysely<Database>, store: IntegrationStore) {
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

    console.get('/integrations/:id', read, async (c) => {
      const row = await store.get(c.req.param('id'));
      if (!row) return errorPage(c, 404, `No integration with id ${c.req.param('id')}.`);
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
      const shown = pick(c.req.query('version'), row.current_version);
      const from =
        c.req.query('from') === undefined
          ? undefined
          : pick(c.req.query('from'), row.current_version);
      const to = pick(c.req.query('to'), row.current_version);
      const [definition, diff, counts, rollout, report] = await Promise.all([
        store.definitionOf(row.id, shown),
        from === undefined
          ? undefined
          : Promise.all([store.definitionOf(row.id, from), store.definitionOf(row.id, to)]).then(
              ([a, b]) => ({ from, to, changes: jsonDiff(a, b) }),
            ),
        runStats(db, row.id),
        db
          .selectFrom('integration_rollouts')
          .select(['stage', 'sample_percent'])
          .where('integration_id', '=', row.id)
          .executeTakeFirst(),
        discrepancyReport(db, row.id, { from: new Date(Date.now() - 30 * 86_400_000) }, 10),
      ]);
      return c.html(
        <IntegrationPage
          session={c.get('session')}
          integration={{
            id: row.id,
            name: row.name,
            enabled: row.enabled,
            version: row.current_version,
            revision: row.revision,
            updatedAt: new Date(row.updated_at).toISOString(),
          }}
          versions={versions.map((v) => ({
            version: v.version,
            createdAt: new Date(v.created_at).toISOString(),
            createdBy: v.created_by,
          }))}
          shown={{ version: shown, definition }}
          diff={diff}
          canWrite={can(c, 'config:write')}
          counts={counts}
          rollout={{
            stage: rollout?.stage ?? 'auto',
            samplePercent: rollout?.sample_percent ?? null,
            report,
          }}
          flash={takeFlash(c)}
        />,
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
        await store.setEnabled(row, enabled, {
          actor: actorOf(c.get('session').principal),
          requestId: c.get('requestId'),
        });
        return back(c, here, 'done', enabled ? 'Enabled.' : 'Disabled.');
      });
    }
  };
}
