import { createHmac } from 'node:crypto';
import type pg from 'pg';
import { grantRuntimeRole } from './grant-runtime-role.js';

/** The role Junction's processes connect as on the embedded PostgreSQL. */
export const EMBEDDED_RUNTIME_ROLE = 'junction_runtime';

/**
 * On the embedded PostgreSQL, creates (or updates) the runtime role, grants it what Junction's
 * processes need (see grantRuntimeRole), and returns the URL to connect as it. `ownerUrl` is the
 * server's own role, which migrates; the runtime role's password is derived from that role's, so
 * nothing new is kept in the data folder.
 */
export async function embeddedRuntimeUrl(ownerPool: pg.Pool, ownerUrl: string): Promise<string> {
  const owner = new URL(ownerUrl);
  const password = createHmac('sha256', decodeURIComponent(owner.password))
    .update(EMBEDDED_RUNTIME_ROLE)
    .digest('hex');
  const client = await ownerPool.connect();
  try {
    // One process at a time creates the role and grants it (grants racing each other fail).
    await client.query('select pg_advisory_lock($1)', [RUNTIME_ROLE_LOCK]);
    const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [
      EMBEDDED_RUNTIME_ROLE,
    ]);
    const verb = rowCount ? 'alter' : 'create';
    await client.query(`${verb} role ${EMBEDDED_RUNTIME_ROLE} login password '${password}'`);
    await grantRuntimeRole(ownerPool, EMBEDDED_RUNTIME_ROLE);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [RUNTIME_ROLE_LOCK]).catch(() => {});
    client.release();
  }
  const runtime = new URL(ownerUrl);
  runtime.username = EMBEDDED_RUNTIME_ROLE;
  runtime.password = password;
  return runtime.toString();
}

/** Advisory lock key held while the embedded runtime role is made and granted. */
const RUNTIME_ROLE_LOCK = 7_231_017;
