import type { CustomAuth } from '@junction/connector-kit';
import { withClient } from './connect.js';
import { connectionFields } from './connection-fields.js';

/**
 * The PostgreSQL connection: custom credential fields (no HTTP is involved), and a `test`
 * hook that connects and runs `select 1`.
 *
 * @example
 * ```ts
 * const result = await postgresAuth.test?.(ctx); // { ok: true } or { ok: false, reason }
 * ```
 */
export const postgresAuth: CustomAuth<typeof connectionFields> = {
  kind: 'custom',
  description: 'A connection string, or host, port, user, password and database.',
  fields: connectionFields,
  async test(ctx) {
    try {
      const version = await withClient(ctx, async ({ client }) => {
        const result = await client.query<{ server_version: string }>('show server_version');
        return result.rows[0]?.server_version ?? 'unknown';
      });
      ctx.logger.info('connected to PostgreSQL', { version });
      return { ok: true };
    } catch (thrown) {
      return { ok: false, reason: thrown instanceof Error ? thrown.message : String(thrown) };
    }
  },
};
