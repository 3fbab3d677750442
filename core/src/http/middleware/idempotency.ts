import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import type { AppEnv } from '../app-env.js';
import { HttpProblem, problem } from '../problem.js';

const replayedHeaders = ['content-type', 'etag', 'location'];

/**
 * `Idempotency-Key` on creating POSTs: the first answer (2xx) is stored per principal and key,
 * and a retry with the same key and body gets it again instead of creating a second object.
 * The same key with another body is refused (422); one still in flight answers 409.
 */
export function idempotency(db: Kysely<Database>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (!key) return next();
    if (key.length > 200) {
      throw new HttpProblem(problem(400, 'Idempotency-Key must be at most 200 characters.'));
    }
    const principal = actorOf(c.get('principal'));
    const body = await c.req.arrayBuffer();
    const hash = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(Buffer.from(body))
      .digest();
    const claimed = await db
      .insertInto('idempotency_keys')
      .values({ principal, key, request_hash: hash })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) {
      const previous = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('principal', '=', principal)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      if (!previous.request_hash.equals(hash)) {
        throw new HttpProblem(
          problem(422, 'This Idempotency-Key was already used with a different request.'),
        );
      }
      if (previous.status === null) {
        throw new HttpProblem(
          problem(409, 'A request with this Idempotency-Key is still in progress.'),
        );
      }
      return c.body(previous.body ?? '', previous.status as 200, {
        ...(previous.headers ?? {}),
        'Idempotent-Replayed': 'true',
      });
    }
    try {
      await next();
    } catch (error) {
      await forget(db, principal, key);
      throw error;
    }
    if (c.res.status >= 200 && c.res.status < 300) {
      const headers: Record<string, string> = {};
      for (const name of replayedHeaders) {
        const value = c.res.headers.get(name);
        if (value) headers[name] = value;
      }
      await db
        .updateTable('idempotency_keys')
        .set({
          status: c.res.status,
          body: await c.res.clone().text(),
          headers: JSON.stringify(headers),
        })
        .where('principal', '=', principal)
        .where('key', '=', key)
        .execute();
    } else {
      await forget(db, principal, key);
    }
  };
}

function forget(db: Kysely<Database>, principal: string, key: string) {
  return db
    .deleteFrom('idempotency_keys')
    .where('principal', '=', principal)
    .where('key', '=', key)
    .execute();
}
