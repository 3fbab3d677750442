import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('data', 'jsonb')
    .execute();
  await db.schema
    .createIndex('audit_entries_subject')
    .on('audit_entries')
    .columns(['subject_type', 'subject_id', 'id'])
    .execute();
}
