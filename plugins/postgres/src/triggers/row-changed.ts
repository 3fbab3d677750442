import {
  definePollingTrigger,
  field,
  formatRowCursor,
  type JsonObject,
  parseRowCursor,
  type RowCursor,
} from '@junction/connector-kit';
import { rowField, sampleRow } from '../common-fields.js';
import { withClient } from '../connect.js';
import { pollSettingsFields } from '../poll-settings.js';
import { loadTable } from '../table-columns.js';

/**
 * New and changed rows of the table named in the trigger settings (`ctx.settings`), in (updated-at, key)
 * order. The cursor is the (updated-at, key) pair of the last row delivered, so rows sharing one
 * updated-at are neither missed nor repeated across polls; rows newer than now minus
 * `safetyLagSeconds` wait for a later poll, so a transaction that commits late with an older
 * updated-at is still seen. Each change's dedupe key is `key@updatedAt`.
 *
 * @example
 * ```ts
 * const { items, cursor } = await runPoll(rowChanged, ctx, storedCursor);
 * ```
 */
export const rowChanged = definePollingTrigger({
  key: 'row-changed',
  name: 'Row inserted or updated',
  description:
    'Polls a table for rows inserted or updated since the last poll, by updated-at then key.',
  intervalSeconds: 60,
  settings: pollSettingsFields,
  output: {
    table: field.string({ description: 'schema.table' }),
    key: field.string({ description: 'The key value, as text' }),
    updatedAt: field.string({
      description: 'The updated-at value as PostgreSQL prints it in JSON',
    }),
    row: rowField,
  },
  sample: {
    table: 'public.contacts',
    key: '42',
    updatedAt: '2024-05-01T10:00:00.123456+00:00',
    row: sampleRow,
  },
  async poll(ctx, cursor) {
    const settings = ctx.settings;
    const tableName = `${settings.schema}.${settings.table}`;
    const after = parseRowCursor(cursor, tableName);
    return withClient(ctx, async (session) => {
      const { client } = session;
      const table = await loadTable(session, settings, '/settings/table', [
        settings.updatedAtColumn,
        settings.keyColumn,
      ]);
      const u = `t.${table.column(settings.updatedAtColumn, '/settings/updatedAtColumn')}`;
      const k = `t.${table.column(settings.keyColumn, '/settings/keyColumn')}`;
      const params: unknown[] = [settings.safetyLagSeconds, settings.batchSize];
      if (after !== null) params.push(after.updatedAt, after.key);
      const result = await client.query<{ row: JsonObject; cursor_u: string; cursor_k: string }>(
        `select row_to_json(t) as row, to_json(${u}) #>> '{}' as cursor_u, (${k})::text as cursor_k
           from ${table.sql} as t
          where ${u} is not null and ${k} is not null
            and ${u} <= now() - make_interval(secs => $1)
            ${after === null ? '' : `and (${u}, ${k}) > ($3, $4)`}
          order by ${u}, ${k}
          limit $2`,
        params,
      );
      const items = result.rows.map((row) => ({
        dedupeKey: `${row.cursor_k}@${row.cursor_u}`,
        data: {
          table: tableName,
          key: row.cursor_k,
          updatedAt: row.cursor_u,
          row: row.row,
        },
      }));
      const last = result.rows.at(-1);
      const next: RowCursor | null =
        last === undefined
          ? after
          : { table: tableName, updatedAt: last.cursor_u, key: last.cursor_k };
      return { items, cursor: next === null ? null : formatRowCursor(next) };
    });
  },
});
