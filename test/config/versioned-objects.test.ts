import { describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { relayDefinition } from '../support/relay-integration.js';
import { crmErpSync } from '../sync/crm-erp-sync.js';
import { useSyncJunction } from '../sync/sync-support.js';

// Integrations and syncs share one versioned store: what a write does when the row it was given
// is no longer current (a concurrent writer got there between read and write) is the same for
// both, and proven here for both, as the HTTP If-Match check alone cannot show it.

const s = useSyncJunction();
const by = { actor: 'token:versioned-test', requestId: 'req-versioned' };

async function integrationDefinition(name: string) {
  const api = apiOf(s.t);
  const connection = await api.post('/v1/connections', {
    name: 'Relay',
    connector: 'http',
    credentials: { authKind: 'none' },
    settings: { baseUrl: 'http://127.0.0.1:9' },
  });
  expect(connection.status, JSON.stringify(connection.body)).toBe(201);
  return relayDefinition(connection.body.id, connection.body.id, name);
}

/**
 * A store seen through a row read now: writes made later from that row, whatever the kind. The
 * definitions come from the store (parsed and pinned when created through the API).
 */
function readThrough<
  Row extends { id: string; current_version: number; revision: number },
  D,
>(store: {
  get(id: string): Promise<Row | undefined>;
  definitionOf(id: string, version: number): Promise<D>;
  update(row: Row, definition: D, actor: typeof by): Promise<{ revision: number }>;
  setEnabled(row: Row, enabled: boolean, actor: typeof by): Promise<{ revision: number }>;
}) {
  return async (id: string) => {
    const row = (await store.get(id)) as Row;
    return {
      revision: row.revision,
      rename: async (name: string) =>
        store.update(row, { ...(await store.definitionOf(row.id, row.current_version)), name }, by),
      setEnabled: (enabled: boolean) => store.setEnabled(row, enabled, by),
    };
  };
}

const kinds = [
  {
    kind: 'integration',
    path: '/v1/integrations',
    versions: 'integration_versions',
    owner: 'integration_id',
    read: () => readThrough(s.t.junction.services.integrations),
    definition: integrationDefinition,
  },
  {
    kind: 'sync',
    path: '/v1/syncs',
    versions: 'sync_versions',
    owner: 'sync_id',
    read: () => readThrough(s.t.junction.services.syncs),
    definition: async (name: string) =>
      crmErpSync(
        { pg: s.pgConnection, mysql: s.mysqlConnection },
        { crm: 'crm_contacts', erp: 'erp_customers' },
        { name },
      ),
  },
] as const;

describe.each(kinds)('a versioned $kind', ({ kind, path, versions, owner, read, definition }) => {
  const api = () => apiOf(s.t);
  const audits = async (id: string) =>
    (
      await s.t.junction.database.pool.query(
        'select action from audit_entries where subject_id = $1 order by id',
        [id],
      )
    ).rows.map((r) => r.action);
  const saved = async (id: string) =>
    (
      await s.t.junction.database.pool.query(
        `select version from ${versions} where ${owner} = $1 order by version`,
        [id],
      )
    ).rows.map((r) => r.version);
  const create = async (name: string) => {
    const created = await api().post(path, await definition(name));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body as { id: string; revision: number };
  };

  it('refuses a write from a row read before another write (412): no version, no audit entry', async () => {
    const { id } = await create(`${kind} first`);
    const before = await read()(id);
    const next = await (await read()(id)).rename(`${kind} second`);
    expect(next).toMatchObject({ version: 2, revision: 2, name: `${kind} second` });

    const refusal = { status: 412, message: `The ${kind} changed meanwhile; read it again.` };
    await expect(before.rename(`${kind} lost`)).rejects.toMatchObject(refusal);
    await expect(before.setEnabled(true)).rejects.toMatchObject(refusal);

    expect(await saved(id)).toEqual([1, 2]);
    expect((await read()(id)).revision).toBe(2);
    expect(await audits(id)).toEqual([`${kind}.create`, `${kind}.update`]);
  });

  it('answers a disable of a disabled one as it is: no new revision, no audit entry', async () => {
    const created = await create(`${kind} idle`);
    const same = await (await read()(created.id)).setEnabled(false);
    expect(same).toEqual(created);
    expect(await audits(created.id)).toEqual([`${kind}.create`]);
  });
});
