import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { ConnectionStore } from '../../connections/connection-store.js';
import { testConnection } from '../../connections/test-connection.js';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import { ConnectionsPage } from '../../console/connections-page.js';
import type { Database } from '../../db/schema.js';
import type { PluginExecutor } from '../../executor/plugin-executor.js';
import {
  back,
  type ConsoleEnv,
  can,
  consolePermission,
  errorPage,
  takeFlash,
} from './console-support.js';

/** Console connections: the list (secrets as set/unset only) and a test button. */
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
