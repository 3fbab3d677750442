import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SecretBox } from '../secrets/secret-box.js';

/** The path a system posts its webhooks to, for an integration. */
export function hookPath(token: string): string {
  return `/hooks/${token}`;
}

export function hashHookToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Creates (or replaces) the unguessable token of an integration's webhook URL. */
export async function issueHookToken(
  trx: Transaction<Database> | Kysely<Database>,
  box: SecretBox,
  integrationId: string,
): Promise<string> {
  const token = `hk_${randomBytes(24).toString('base64url')}`;
  const values = {
    token_hash: hashHookToken(token),
    token_sealed: box.seal(token),
    created_at: new Date(),
  };
  await trx
    .insertInto('integration_hooks')
    .values({ integration_id: integrationId, ...values })
    .onConflict((oc) => oc.column('integration_id').doUpdateSet(values))
    .execute();
  return token;
}

/** The current token of an integration's webhook URL, if it has one. */
export async function readHookToken(
  db: Kysely<Database>,
  box: SecretBox,
  integrationId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('integration_hooks')
    .select('token_sealed')
    .where('integration_id', '=', integrationId)
    .executeTakeFirst();
  return row ? (box.open(row.token_sealed) as string) : undefined;
}
