import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { ConfigProblem } from '../../connections/config-problem.js';
import { waitingLinks } from '../../console/sync-links-data.js';
import { SyncLinksPage, waitingLinksHref } from '../../console/sync-links-page.js';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log/create-logger.js';
import type { RecordClient } from '../../sync/record-client.js';
import { type LinkSettlement, settleLink } from '../../sync/settle-link.js';
import {
  back,
  type ConsoleContext,
  type ConsoleEnv,
  can,
  consolePermission,
  errorPage,
  field,
  takeFlash,
} from './console-support.js';

const done: Record<LinkSettlement['kind'], string> = {
  relink: 'Relinked: the link syncs again from both records as they are now.',
  clear: 'Cleared: the link syncs again from both records as they are now.',
  unlink: 'Unlinked: the next backfill or change of either record treats it as new.',
};

/**
 * A sync's links that wait for a person (flagged, archived), page by page, and their settlement
 * (`config:write`, as the API): relink a side to a given record, clear, unlink, each through
 * `settleLink`, the service `/v1/syncs/{id}/links/{link}/...` calls (records read first; a
 * refusal changes nothing; audited).
 */
export function consoleSyncLinkPages(deps: {
  db: Kysely<Database>;
  records?: RecordClient | undefined;
  logger: Logger;
}) {
  const { db, records } = deps;
  return (console: Hono<ConsoleEnv>) => {
    console.get('/syncs/:id/links', consolePermission(db, 'read'), async (c) => {
      const sync = await db
        .selectFrom('syncs')
        .select(['id', 'name'])
        .where('id', '=', c.req.param('id'))
        .executeTakeFirst();
      if (!sync) return errorPage(c, 404, `No sync with id ${c.req.param('id')}.`);
      const after = c.req.query('after') || undefined;
      if (after !== undefined && !/^\d{1,18}$/.test(after))
        return errorPage(c, 400, 'That page of links does not exist; start from the first.');
      const page = await waitingLinks(db, sync.id, { after, limit: 50 });
      return c.html(
        <SyncLinksPage
          session={c.get('session')}
          sync={sync}
          page={{ ...page, after }}
          canSettle={can(c, 'config:write') && records !== undefined}
          flash={takeFlash(c)}
        />,
      );
    });

    if (!records) return;
    const write = consolePermission(db, 'config:write');
    const settle = async (c: ConsoleContext, settlement: LinkSettlement) => {
      const { id, link } = c.req.param() as { id: string; link: string };
      const here = waitingLinksHref(id);
      try {
        await settleLink({ db, records, logger: deps.logger }, id, link, settlement, {
          actor: actorOf(c.get('session').principal),
          requestId: c.get('requestId'),
        });
      } catch (error) {
        if (!(error instanceof ConfigProblem)) throw error;
        if (error.status === 404) return errorPage(c, 404, error.message);
        const detail = error.problems.map((p) => p.detail).join('; ');
        const said = `${error.message}${detail && !error.message.includes(detail) ? ` (${detail})` : ''}`;
        return back(c, here, 'problem', `Link ${link}: ${said} Nothing was changed.`);
      }
      return back(c, here, 'done', `Link ${link}: ${done[settlement.kind]}`);
    };

    console.post('/syncs/:id/links/:link/relink', write, async (c) => {
      const form = await c.req.parseBody();
      const side = field(form, 'side');
      const key = field(form, 'key').trim();
      if ((side !== 'a' && side !== 'b') || key === '' || key.length > 500)
        return back(
          c,
          waitingLinksHref(c.req.param('id')),
          'problem',
          `Link ${c.req.param('link')}: say which side (A or B) and the key of its record to relink to. Nothing was changed.`,
        );
      return settle(c, { kind: 'relink', side, key });
    });
    console.post('/syncs/:id/links/:link/clear', write, (c) => settle(c, { kind: 'clear' }));
    console.post('/syncs/:id/links/:link/unlink', write, (c) => settle(c, { kind: 'unlink' }));
  };
}
