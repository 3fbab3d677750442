import { authFields, type FieldSet } from '@junction/connector-kit';
import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { ConfigProblem } from '../../connections/config-problem.js';
import type { ConnectionRow, ConnectionStore } from '../../connections/connection-store.js';
import { testConnection } from '../../connections/test-connection.js';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import { formFieldOf, readConnectionForm } from '../../console/connection-form.js';
import { ConnectionPage } from '../../console/connection-page.js';
import { ConnectionsPage } from '../../console/connections-page.js';
import type { Database } from '../../db/schema.js';
import type { PluginExecutor } from '../../executor/plugin-executor.js';
import {
  back,
  type ConsoleContext,
  type ConsoleEnv,
  can,
  consolePermission,
  errorPage,
  takeFlash,
} from './console-support.js';

/**
 * Console connections: the list (secrets as set/unset only), a test button, and one connection's
 * settings and credentials to edit through the store the API uses (its checks, its audit entry).
 */
export function consoleConnectionPages(deps: {
  db: Kysely<Database>;
  store: ConnectionStore;
  connectors: ConnectorSource;
  executor: PluginExecutor;
}) {
  const { db, store } = deps;
  return (console: Hono<ConsoleEnv>) => {
    console.get('/connections', consolePermission(db, 'read'), async (c) => {
      const rows = await db
        .selectFrom('connections')
        .selectAll()
        .orderBy('name')
        .limit(500)
        .execute();
      return c.html(
        <ConnectionsPage
          session={c.get('session')}
          connections={rows.map(store.view)}
          canTest={can(c, 'connections:test')}
          flash={takeFlash(c)}
        />,
      );
    });

    const fieldsOf = (row: ConnectionRow): FieldSet => {
      const auth = deps.connectors.get(row.connector_id)?.definition.auth;
      return auth ? authFields(auth) : {};
    };
    const page = (
      c: ConsoleContext,
      row: ConnectionRow,
      extra: Partial<Pick<Parameters<typeof ConnectionPage>[0], 'typed' | 'problems'>> & {
        problem?: string;
      } = {},
    ) =>
      c.html(
        <ConnectionPage
          session={c.get('session')}
          view={store.view(row)}
          fields={fieldsOf(row)}
          typed={extra.typed}
          problems={extra.problems ?? {}}
          canWrite={can(c, 'config:write')}
          flash={extra.problem ? { problem: extra.problem } : takeFlash(c)}
        />,
        extra.problem ? 422 : 200,
      );

    console.get('/connections/:id', consolePermission(db, 'read'), async (c) => {
      const row = await store.get(c.req.param('id'));
      if (!row) return errorPage(c, 404, `No connection with id ${c.req.param('id')}.`);
      return page(c, row);
    });

    console.post('/connections/:id', consolePermission(db, 'config:write'), async (c) => {
      const row = await store.get(c.req.param('id'));
      if (!row) return errorPage(c, 404, `No connection with id ${c.req.param('id')}.`);
      const here = `/console/connections/${encodeURIComponent(row.id)}`;
      const form = await c.req.parseBody({ all: true });
      // As If-Match on the API: the form names the revision it was made from.
      if (Number(form.revision) !== row.revision)
        return back(
          c,
          here,
          'problem',
          'The connection changed meanwhile; here it is as it is now.',
        );
      const fields = fieldsOf(row);
      const view = store.view(row);
      const { input, problems } = readConnectionForm(fields, view, form);
      const typed = {
        name: typeof form.name === 'string' ? form.name : view.name,
        settings: typeof form.settings === 'string' ? form.settings : '',
        credentials: Object.fromEntries(
          Object.keys(fields).map((n) => [n, String(form[`credential.${n}`] ?? '')]),
        ),
      };
      const refused = (problem: string, byField: Record<string, string>) =>
        page(c, row, { typed, problems: byField, problem });
      if (Object.keys(problems).length > 0)
        return refused(
          `The form has ${Object.keys(problems).length} problem(s); nothing changed.`,
          problems,
        );
      if (Object.keys(input).length === 0) return back(c, here, 'done', 'Nothing to change.');
      try {
        await store.update(row, input, {
          actor: actorOf(c.get('session').principal),
          requestId: c.get('requestId'),
        });
      } catch (error) {
        if (!(error instanceof ConfigProblem)) throw error;
        if (error.status === 412)
          return back(
            c,
            here,
            'problem',
            'The connection changed meanwhile; here it is as it is now.',
          );
        const byField: Record<string, string> = {};
        for (const p of error.problems) byField[formFieldOf(p.pointer, fields)] ??= p.detail;
        return refused(`${error.message} Nothing changed.`, byField);
      }
      return back(c, here, 'done', 'Saved.');
    });

    console.post('/connections/:id/test', consolePermission(db, 'connections:test'), async (c) => {
      const row = await store.get(c.req.param('id'));
      if (!row) return errorPage(c, 404, `No connection with id ${c.req.param('id')}.`);
      const outcome = await testConnection(deps, row);
      if (outcome.kind === 'not-installed')
        return back(
          c,
          '/console/connections',
          'problem',
          `The connector "${outcome.connector}" is not installed.`,
        );
      if (outcome.ok)
        return back(
          c,
          '/console/connections',
          'done',
          `${row.name}: ${outcome.tested ? 'the test passed' : 'this connector cannot be tested'}.`,
        );
      return back(
        c,
        '/console/connections',
        'problem',
        `${row.name}: the test failed (${outcome.reason ?? 'no reason given'}).`,
      );
    });
  };
}
