import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { createGroupCommitReference, createReferenceTableSql } from './group-commit-reference.js';

/**
 * The ingress baselines (started by bench-child.ts), Hono endpoints on @hono/node-server:
 * `POST /ingest` only inserts the request body into a table, in one autocommit statement, and
 * answers 202 after it; `POST /ingest-batched` is the group-commit reference (row and
 * graphile-worker job per request, stored by batch; see group-commit-reference.ts). Same pool
 * size as Junction's (JUNCTION_DB_POOL_SIZE, default 20). DATABASE_URL names a migrated
 * database; the tables are created here.
 */
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.JUNCTION_DB_POOL_SIZE ?? 20),
});
await pool.query(
  'create table if not exists baseline_events (id bigserial primary key, body jsonb not null, received_at timestamptz(3) not null default now())',
);
await pool.query(createReferenceTableSql);
const reference = createGroupCommitReference(pool);
const app = new Hono();
app.post('/ingest', async (c) => {
  const body = await c.req.text();
  const { rows } = await pool.query<{ id: string }>(
    'insert into baseline_events (body) values ($1) returning id',
    [body],
  );
  return c.json({ id: rows[0]?.id }, 202);
});
app.post('/ingest-batched', async (c) => {
  const id = await reference.store(await c.req.text());
  return c.json({ id }, 202);
});
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  process.send?.({ ready: { url: `http://127.0.0.1:${info.port}` } });
});
process.once('SIGTERM', () => {
  server.close(() => void pool.end().finally(() => process.exit(0)));
  if ('closeIdleConnections' in server) server.closeIdleConnections();
});
