import type { CustomAuth } from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import { withConnection } from './connect.js';
import { connectionFields } from './connection-fields.js';

/**
 * The MySQL/MariaDB connection: custom credential fields (no HTTP is involved), and a `test`
 * hook that connects and reads the server version.
 *
 * @example
 * ```ts
 * const result = await mysqlAuth.test?.(ctx); // { ok: true } or { ok: false, reason }
 * ```
 */
export const mysqlAuth: CustomAuth<typeof connectionFields> = {
  kind: 'custom',
  description: 'A connection string, or host, port, user, password and database.',
  fields: connectionFields,
  async test(ctx) {
    try {
      const version = await withConnection(ctx, async ({ db }) => {
        const [rows] = await db.query<mysql.RowDataPacket[]>('select version() as v');
        return String(rows[0]?.v ?? 'unknown');
      });
      ctx.logger.info('connected to MySQL', { version });
      return { ok: true };
    } catch (thrown) {
      return { ok: false, reason: thrown instanceof Error ? thrown.message : String(thrown) };
    }
  },
};
