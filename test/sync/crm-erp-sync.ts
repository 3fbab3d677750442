/**
 * A sync between a PostgreSQL "CRM" table (id serial, email, full_name, updated_at) and a MariaDB
 * "ERP" table (id auto_increment, email, name, updated_at), records matched by email.
 */
export function crmErpSync(
  connections: { pg: string; mysql: string },
  tables: { crm: string; erp: string },
  extra: Record<string, unknown> = {},
) {
  return {
    name: `CRM ${tables.crm} <-> ERP ${tables.erp}`,
    a: {
      connector: 'postgres',
      connection: connections.pg,
      recordType: 'table_row',
      settings: { table: tables.crm, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    },
    b: {
      connector: 'mysql',
      connection: connections.mysql,
      recordType: 'table_row',
      settings: { table: tables.erp, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    },
    direction: 'both',
    mappings: {
      aToB: {
        values: {
          object: [
            ['email', { var: 'record.values.email' }],
            ['name', { var: 'record.values.full_name' }],
          ],
        },
      },
      bToA: {
        values: {
          object: [
            ['email', { var: 'record.values.email' }],
            ['full_name', { var: 'record.values.name' }],
          ],
        },
      },
    },
    match: { a: 'values.email', b: 'values.email' },
    conflict: { policy: 'a_wins' },
    deletes: { policy: 'delete' },
    ...extra,
  };
}
