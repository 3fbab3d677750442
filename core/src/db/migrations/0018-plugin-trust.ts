import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // `trusted`: an operator marked this exact installed version to run in Junction's own process
  // (no plugin host); audited as plugin.trust / plugin.distrust. Every other installed version runs
  // isolated.
  await sql`alter table plugin_installs add column trusted boolean not null default false`.execute(
    db,
  );
}
