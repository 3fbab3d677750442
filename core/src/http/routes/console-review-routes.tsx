import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { editedInput } from '../../console/review-form.js';
import { ReviewPage } from '../../console/review-page.js';
import { nextOpenItem, reviewsPageData } from '../../console/review-page-data.js';
import { ReviewRows, ReviewsPage } from '../../console/reviews-page.js';
import type { Database } from '../../db/schema.js';
import {
  assigneeProblem,
  possibleAssignees,
  type ReviewQueue,
  type ReviewRefusal,
  type ReviewResult,
} from '../../review/index.js';
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

/** What a refused review operation tells the reviewer. */
function refusalText(refusal: ReviewRefusal): string {
  switch (refusal.kind) {
    case 'not-found':
      return 'No such review item.';
    case 'not-open':
      return `The item is ${refusal.state} already.`;
    case 'claimed':
      return `The item is claimed by ${refusal.by} until ${refusal.until}.`;
    case 'stale':
      return 'Someone changed the item meanwhile; here it is as it is now.';
    case 'invalid':
      return `The input has ${refusal.problems.length} problem(s).`;
    case 'run-not-waiting':
      return `The run is not waiting for this review any more (${refusal.state}).`;
  }
}

/** Console review queue: list (refreshing), an item with diff and edit, claim, decide, bulk. */
export function consoleReviewPages(db: Kysely<Database>, queue: ReviewQueue) {
  return (console: Hono<ConsoleEnv>) => {
    const read = consolePermission(db, 'reviews:read');
    const decide = consolePermission(db, 'reviews:decide');
    const who = (c: ConsoleContext) => ({
      principal: c.get('session').principal,
      requestId: c.get('requestId'),
    });
    const here = (id: string) => `/console/reviews/${encodeURIComponent(id)}`;

    console.get('/reviews', read, async (c) => {
      const { principal } = c.get('session');
      const data = await reviewsPageData(
        db,
        queue,
        principal,
        c.req.query(),
        can(c, 'reviews:decide'),
      );
      return c.html(<ReviewsPage session={c.get('session')} data={data} flash={takeFlash(c)} />);
    });

    console.get('/reviews/rows', read, async (c) => {
      const { principal } = c.get('session');
      const data = await reviewsPageData(
        db,
        queue,
        principal,
        c.req.query(),
        can(c, 'reviews:decide'),
      );
      return c.html(<ReviewRows data={data} session={c.get('session')} />);
    });

    async function itemPage(
      c: ConsoleContext,
      id: string,
      extra: {
        typed?: Record<string, unknown>;
        problems?: ReviewRefusal & { kind: 'invalid' };
      } = {},
    ) {
      const { principal } = c.get('session');
      const item = await queue.get(id, principal);
      if (!item) return errorPage(c, 404, `No review item with id ${id}.`);
      return c.html(
        <ReviewPage
          session={c.get('session')}
          item={item}
          canDecide={can(c, 'reviews:decide')}
          typed={extra.typed}
          problems={extra.problems?.problems}
          nextItem={await nextOpenItem(db, principal, id)}
          assignees={
            can(c, 'reviews:assign') ? await possibleAssignees(db, item.integration) : undefined
          }
          flash={extra.problems ? { problem: refusalText(extra.problems) } : takeFlash(c)}
        />,
        extra.problems ? 422 : 200,
      );
    }

    console.get('/reviews/:id', read, (c) => itemPage(c, c.req.param('id')));

    /** After an operation: back to the item, or its page again with the problems of an edit. */
    async function answer(
      c: ConsoleContext,
      id: string,
      result: ReviewResult,
      done: string,
      typed?: Record<string, unknown>,
    ) {
      if (result.kind === 'ok') return back(c, here(id), 'done', done);
      if (result.kind === 'not-found') return errorPage(c, 404, `No review item with id ${id}.`);
      if (result.kind === 'invalid')
        return itemPage(c, id, { ...(typed ? { typed } : {}), problems: result });
      return back(c, here(id), 'problem', refusalText(result));
    }

    console.post('/reviews/:id/claim', decide, async (c) => {
      const id = c.req.param('id');
      return answer(c, id, await queue.claim(id, who(c)), 'Claimed: the item is yours for now.');
    });

    /** The typed fields as an input, or the page with the fields' problems. */
    async function typedInput(c: ConsoleContext, id: string) {
      const item = await queue.get(id, c.get('session').principal);
      if (!item) return { page: errorPage(c, 404, `No review item with id ${id}.`) };
      const form = await c.req.parseBody({ all: true });
      const { input, problems } = editedInput(item.proposal, form);
      const revision = Number(field(form, 'revision'));
      if (problems.length > 0)
        return {
          page: await itemPage(c, id, { typed: input, problems: { kind: 'invalid', problems } }),
        };
      const changed = JSON.stringify(input) !== JSON.stringify(item.proposal);
      return { input, changed, revision: Number.isInteger(revision) ? revision : undefined };
    }

    console.post('/reviews/:id/edit', decide, async (c) => {
      const id = c.req.param('id');
      const typed = await typedInput(c, id);
      if (typed.page) return typed.page;
      if (typed.revision === undefined)
        return back(c, here(id), 'problem', 'Reload the item and edit again.');
      const result = await queue.edit(id, who(c), typed.input, typed.revision);
      return answer(c, id, result, 'The edit is saved; approve it when ready.', typed.input);
    });

    console.post('/reviews/:id/approve', decide, async (c) => {
      const id = c.req.param('id');
      const typed = await typedInput(c, id);
      if (typed.page) return typed.page;
      const result = await queue.approve(id, who(c), {
        ...(typed.changed ? { input: typed.input } : {}),
        revision: typed.revision,
      });
      const next =
        result.kind === 'ok' ? await nextOpenItem(db, c.get('session').principal, id) : undefined;
      if (result.kind === 'ok')
        return back(
          c,
          next ? here(next) : '/console/reviews',
          'done',
          'Approved: the write goes ahead.',
        );
      return answer(c, id, result, '', typed.input);
    });

    console.post('/reviews/:id/reject', decide, async (c) => {
      const id = c.req.param('id');
      const form = await c.req.parseBody({ all: true });
      const reason = field(form, 'reason').trim();
      if (!reason) return back(c, here(id), 'problem', 'Say why the item is rejected.');
      const revision = Number(field(form, 'revision'));
      const result = await queue.reject(
        id,
        who(c),
        reason.slice(0, 1000),
        Number.isInteger(revision) ? revision : undefined,
      );
      return answer(c, id, result, 'Rejected: nothing is written and the run ends.');
    });

    console.post('/reviews/:id/assign', consolePermission(db, 'reviews:assign'), async (c) => {
      const id = c.req.param('id');
      const item = await queue.get(id, c.get('session').principal);
      if (!item) return errorPage(c, 404, `No review item with id ${id}.`);
      const form = await c.req.parseBody({ all: true });
      const assignee = field(form, 'assignee') || null;
      const why =
        assignee === null ? undefined : await assigneeProblem(db, assignee, item.integration);
      if (why) return back(c, here(id), 'problem', `Not reassigned: ${why}.`);
      const done =
        assignee === null ? 'Taken back: nobody holds the item.' : `Given to ${assignee}.`;
      return answer(c, id, await queue.assign(id, who(c), assignee), done);
    });

    console.post('/reviews/approve', decide, async (c) => {
      const form = await c.req.parseBody({ all: true });
      const ids = [form.ids ?? []]
        .flat()
        .filter((v): v is string => typeof v === 'string')
        .slice(0, 200);
      const to = field(form, 'back').startsWith('/console/reviews')
        ? field(form, 'back')
        : '/console/reviews';
      if (ids.length === 0) return back(c, to, 'problem', 'Tick the items to approve first.');
      const { approved, refused } = await queue.approveMany(ids, who(c));
      const refusedText = refused.map((r) => `${r.id}: ${refusalText(r.refusal)}`).join(' ');
      return back(
        c,
        to,
        refused.length ? 'problem' : 'done',
        `Approved ${approved.length} item(s).${refused.length ? ` Not approved: ${refusedText}` : ''}`,
      );
    });
  };
}
