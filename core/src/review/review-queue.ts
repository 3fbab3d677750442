import { type InputProblem, validateFields } from '@junction/connector-kit';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import { actorOf, inScope, type Principal } from '../auth/principal.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { ReviewItemsTable } from '../db/tables/review-tables.js';
import { lockWait, settleWait } from '../engine/settle-wait.js';
import { listReviews, type ReviewFilter } from './list-reviews.js';
import { claimant, type ReviewView, toReviewView } from './review-view.js';

/** Why a review operation changed nothing. */
export type ReviewRefusal =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'not-open'; readonly state: string }
  | { readonly kind: 'claimed'; readonly by: string; readonly until: string }
  | { readonly kind: 'stale'; readonly revision: number }
  | { readonly kind: 'invalid'; readonly problems: readonly InputProblem[] }
  | { readonly kind: 'run-not-waiting'; readonly state: string };

export type ReviewResult = { readonly kind: 'ok'; readonly item: ReviewView } | ReviewRefusal;

/** Who acts, for the audit trail. */
export interface Reviewer {
  readonly principal: Principal;
  readonly requestId?: string | undefined;
}

type Row = Selectable<ReviewItemsTable>;

/**
 * The review queue: writes parked for a person (a review step, or a gate whose condition held).
 * Every operation checks the principal's integration scope (an item outside it does not exist for
 * it), works under the item's row lock, changes nothing when refused, and leaves an audit entry
 * (`review.claim`, `review.edit`, `review.approve`, `review.reject`, `review.assign`...) in the
 * same transaction. Approving settles the run's wait (the run is queued and the action writes the
 * approved input); rejecting ends the run (cancelled, nothing written).
 */
export function createReviewQueue(deps: {
  db: Kysely<Database>;
  connectors: ConnectorSource;
  /** Claim length when a claim does not say (JUNCTION_REVIEW_CLAIM_SECONDS). */
  claimSeconds: number;
}) {
  const { db } = deps;

  /** Runs `act` on an open item under its row lock, in scope, or says why not. */
  async function withItem(
    id: string,
    who: Reviewer,
    options: { revision?: number | undefined; needsClaim?: boolean },
    act: (trx: Transaction<Database>, row: Row) => Promise<ReviewRefusal | undefined>,
  ): Promise<ReviewResult> {
    return db
      .transaction()
      .execute(async (trx): Promise<ReviewResult> => {
        const row = await trx
          .selectFrom('review_items')
          .selectAll()
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!row || !inScope(who.principal, row.integration_id)) return { kind: 'not-found' };
        if (row.state !== 'open') return { kind: 'not-open', state: row.state };
        if (options.revision !== undefined && options.revision !== row.revision)
          return { kind: 'stale', revision: row.revision };
        const holder = claimant(row);
        if (options.needsClaim !== false && holder !== null && holder !== who.principal.id)
          return {
            kind: 'claimed',
            by: holder,
            until: new Date(row.claim_expires_at as Date).toISOString(),
          };
        const refused = await act(trx, row);
        if (refused) {
          // Nothing of a refused operation stays.
          throw new Refused(refused);
        }
        const after = await trx
          .selectFrom('review_items')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        return { kind: 'ok', item: toReviewView(after) };
      })
      .catch((error: unknown) => {
        if (error instanceof Refused) return error.refusal;
        throw error;
      });
  }

  const audit = (
    trx: Transaction<Database>,
    row: Row,
    who: Reviewer,
    action: string,
    data: Record<string, unknown>,
  ) =>
    recordAudit(trx, {
      actor: actorOf(who.principal),
      action,
      subjectType: 'review',
      subjectId: row.id,
      integrationId: row.integration_id,
      runId: row.run_id,
      requestId: who.requestId,
      data: { step: `${row.route_key}/${row.step_key}`, ...data },
    });

  /** Checks an edited proposal against the action's input fields, as a mapping's output is. */
  async function check(
    trx: Transaction<Database>,
    row: Row,
    input: Record<string, unknown>,
  ): Promise<readonly InputProblem[]> {
    const wait = await trx
      .selectFrom('run_waits')
      .select(['connector_id', 'connector_version', 'action_key'])
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    const connector = deps.connectors.get(wait.connector_id, wait.connector_version);
    const action = connector?.definition.actions?.find((a) => a.key === wait.action_key);
    if (!action)
      return [
        {
          pointer: '',
          message: `${wait.connector_id}@${wait.connector_version} "${wait.action_key}" is not installed`,
        },
      ];
    // Unknown fields are refused too (the action's input schema allows no others).
    return validateFields(action.input, input).problems;
  }

  const touch = (trx: Transaction<Database>, id: string, set: Record<string, unknown>) =>
    trx
      .updateTable('review_items')
      .set({ ...set, revision: sql`revision + 1` })
      .where('id', '=', id)
      .execute();

  async function decide(
    trx: Transaction<Database>,
    row: Row,
    who: Reviewer,
    decision:
      | { approve: true; input?: Record<string, unknown> }
      | { approve: false; reason: string },
  ): Promise<ReviewRefusal | undefined> {
    let edited = row.edited;
    if (decision.approve && decision.input !== undefined) {
      const problems = await check(trx, row, decision.input);
      if (problems.length > 0) return { kind: 'invalid', problems };
      edited = decision.input;
    }
    const locked = await lockWait(trx, row.id);
    if (!locked.ok)
      return {
        kind: 'run-not-waiting',
        state: locked.kind === 'run-not-waiting' ? locked.state : 'settled',
      };
    const input = edited ?? row.proposal;
    const outcome = decision.approve ? (edited ? 'approved with an edit' : 'approved') : 'rejected';
    await touch(trx, row.id, {
      state: decision.approve ? 'approved' : 'rejected',
      edited: edited === null ? null : JSON.stringify(edited),
      decided_by: actorOf(who.principal),
      decided_at: new Date(),
      decision_reason: decision.approve ? null : decision.reason,
      assignee: null,
      claim_expires_at: null,
    });
    await settleWait(
      trx,
      locked,
      decision.approve
        ? { kind: 'approve', input, edited: edited !== null }
        : { kind: 'reject', reason: decision.reason },
      {
        actor: actorOf(who.principal),
        action: decision.approve ? 'review.approve' : 'review.reject',
        requestId: who.requestId,
        data: {
          step: `${row.route_key}/${row.step_key}`,
          outcome,
          proposal: row.proposal,
          edit: edited,
          reason: decision.approve ? null : decision.reason,
          confidence: row.confidence,
        },
      },
    );
    return undefined;
  }

  return {
    list: (filter: ReviewFilter, principal: Principal) => listReviews(db, filter, principal),

    async get(id: string, principal: Principal): Promise<ReviewView | undefined> {
      const row = await db
        .selectFrom('review_items')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && inScope(principal, row.integration_id) ? toReviewView(row) : undefined;
    },

    claim(id: string, who: Reviewer, seconds = deps.claimSeconds): Promise<ReviewResult> {
      return withItem(id, who, {}, async (trx, row) => {
        const until = new Date(Date.now() + seconds * 1000);
        await touch(trx, id, { assignee: who.principal.id, claim_expires_at: until });
        await audit(trx, row, who, 'review.claim', { until: until.toISOString() });
        return undefined;
      });
    },

    release(id: string, who: Reviewer): Promise<ReviewResult> {
      return withItem(id, who, {}, async (trx, row) => {
        await touch(trx, id, { assignee: null, claim_expires_at: null });
        await audit(trx, row, who, 'review.release', {});
        return undefined;
      });
    },

    /** Gives the item to `assignee` (a token id; null takes it back), whoever holds it. */
    assign(id: string, who: Reviewer, assignee: string | null): Promise<ReviewResult> {
      return withItem(id, who, { needsClaim: false }, async (trx, row) => {
        const until = assignee === null ? null : new Date(Date.now() + deps.claimSeconds * 1000);
        await touch(trx, id, { assignee, claim_expires_at: until });
        await audit(trx, row, who, 'review.assign', {
          before: { assignee: claimant(row) },
          after: { assignee, until: until?.toISOString() ?? null },
        });
        return undefined;
      });
    },

    edit(id: string, who: Reviewer, input: Record<string, unknown>, revision: number) {
      return withItem(id, who, { revision }, async (trx, row) => {
        const problems = await check(trx, row, input);
        if (problems.length > 0) return { kind: 'invalid', problems };
        await touch(trx, id, { edited: JSON.stringify(input) });
        await audit(trx, row, who, 'review.edit', {
          proposal: row.proposal,
          before: row.edited,
          after: input,
        });
        return undefined;
      });
    },

    approve(
      id: string,
      who: Reviewer,
      options: { input?: Record<string, unknown>; revision?: number | undefined } = {},
    ): Promise<ReviewResult> {
      return withItem(id, who, { revision: options.revision }, (trx, row) =>
        decide(trx, row, who, {
          approve: true,
          ...(options.input === undefined ? {} : { input: options.input }),
        }),
      );
    },

    /**
     * Approves each item as it stands (with its edit, if any), each in its own transaction:
     * items claimed by someone else, decided already or out of scope are refused, not failed.
     */
    async approveMany(ids: readonly string[], who: Reviewer) {
      const approved: string[] = [];
      const refused: { id: string; refusal: ReviewRefusal }[] = [];
      for (const id of new Set(ids)) {
        const result = await withItem(id, who, {}, (trx, row) =>
          decide(trx, row, who, { approve: true }),
        );
        if (result.kind === 'ok') approved.push(id);
        else refused.push({ id, refusal: result });
      }
      return { approved, refused };
    },

    reject(id: string, who: Reviewer, reason: string, revision?: number): Promise<ReviewResult> {
      return withItem(id, who, { revision }, (trx, row) =>
        decide(trx, row, who, { approve: false, reason }),
      );
    },
  };
}

export type ReviewQueue = ReturnType<typeof createReviewQueue>;

class Refused extends Error {
  constructor(readonly refusal: ReviewRefusal) {
    super(refusal.kind);
  }
}
