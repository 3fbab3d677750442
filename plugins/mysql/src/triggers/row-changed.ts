import {
  definePollingTrigger,
  field,
  formatRowCursor,
  parseRowCursor,
  type RowCursor,
} from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import { rowField, sampleRow } from '../common-fields.js';
import { withConnection } from '../connect.js';
import { pollSettingsFields } from '../poll-settings.js';
import { rowObject } from '../row-values.js';
import { loadTable } from '../table-columns.js';

/**
 * New and changed rows of the table named in the trigger settings (`ctx.settings`), in (updated-at, key)
 * order. The cursor is the (updated-at, key) pair of the last row delivered, so rows sharing one
 * updated-at are neither missed nor repeated across polls; rows newer than `NOW(6)` minus
 * `safetyLagSeconds` (session time zone UTC) wait for a later poll, so a transaction that
 * commits late with an older updated-at is still seen. Each change's dedupe key is
 * `key@updatedAt`.
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
    table: field.string({ description: 'database.table' }),
    key: field.string({ description: 'The key value, as text' }),
    updatedAt: field.string({ description: 'The updated-at value as the server prints it' }),
    row: rowField,
  },
  sample: {
    table: 'shop.contacts',
    key: '42',
    updatedAt: '2024-05-01 10:00:00.123456',
    row: sampleRow,
  },
  async poll(ctx, cursor) {
    const settings = ctx.settings;
    return withConnection(ctx, async (session) => {
      const { db } = session;
      const table = await loadTable(session, settings, '/settings/table', {
        columns: [settings.updatedAtColumn, settings.keyColumn],
      });
      const after = parseRowCursor(cursor, table.name);
      const u = `t.${table.column(settings.updatedAtColumn, '/settings/updatedAtColumn')}`;
      const k = `t.${table.column(settings.keyColumn, '/settings/keyColumn')}`;
      const lagMicros = Math.round(settings.safetyLagSeconds * 1_000_000);
      const params: (string | number)[] = [lagMicros];
      if (after !== null) params.push(after.updatedAt, after.key);
      // batchSize is a checked integer (1..1000); LIMIT placeholders are unreliable in prepared statements.
      const limit = Math.trunc(settings.batchSize);
      const [rows] = await db.execute<mysql.RowDataPacket[]>(
        `select t.*, ${u} as __junction_u, cast(${k} as char) as __junction_k
           from ${table.sql} as t
          where ${u} is not null and ${k} is not null
            and ${u} <= now(6) - interval ? microsecond
            ${after === null ? '' : `and (${u}, ${k}) > (?, ?)`}
          order by ${u}, ${k}
          limit ${limit}`,
        params,
      );
      const items = rows.map((row) => {
        const updatedAt = String(row.__junction_u);
        const key = String(row.__junction_k);
        return {
          dedupeKey: `${key}@${updatedAt}`,
          data: { table: table.name, key, updatedAt, row: rowObject(row) },
        };
      });
      const last = items.at(-1)?.data;
      const next: RowCursor | null =
        last === undefined
          ? after
          : { table: table.name, updatedAt: last.updatedAt, key: last.key };
      return { items, cursor: next === null ? null : formatRowCursor(next) };
    });
  },
});
