import pg from 'pg';
import { createLogger, startEmbeddedPostgres } from './core/src/index.ts';

export default async function setup(project) {
  const dataDir = new URL('./data', import.meta.url).pathname;
  const embedded = await startEmbeddedPostgres({ dataDir, logger: createLogger('warn') });
  const client = new pg.Client({ connectionString: embedded.url });
  await client.connect();
  const { rows } = await client.query(
    `select pg_backend_pid() as pid, current_setting('server_encoding') as encoding`,
  );
  project.provide('server', rows[0]);
  return async () => {
    await client.end();
    await embedded.stop();
  };
}
