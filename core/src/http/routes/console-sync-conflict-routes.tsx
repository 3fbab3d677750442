import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { ConfigProblem } from '../../connections/config-problem.js';
import { mergedRecord } from '../../console/conflict-fields.js';
import { ConflictPage } from '../../console/conflict-page.js';
import { type ConflictPageData, conflictPageData } from '../../console/conflict-page-data.js';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log/create-logger.js';
import type { SyncCounters } from '../../metrics/sync-counters.js';
import type { RecordClient } from '../../sync/record-client.js';
import { type ConflictChoice, resolveParkedConflict } from '../../sync/sync-conflicts.js';
import type { SideName } from '../../sync/sync-definition.js';
import type { SyncStore } from '../../sync/sync-store.js';
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

const upper = (side: string) => side.toUpperCase();

/** What a resolution came to, in words (from the conflict's stored resolution). */
function outcomeText(resolution: Record<string, unknown> | null): string {
  if (resolution?.outcome === 'gone')
    return `The record was deleted on ${upper(String(resolution.gone))} meanwhile: the delete policy took the link, and the conflict is closed.`;
  if (resolution?.outcome)
    return `Nothing was left to write (${resolution.outcome}); the conflict is closed.`;
  if (typeof resolution?.take === 'string')
    return `Resolved: ${upper(resolution.take)}'s record is written to both sides.`;
  return `Resolved: the chosen fields are written to ${upper(String(resolution?.side))}, then mapped across.`;
}

/**
 * A parked conflict's page (both versions and the base, field by field) and its resolution:
 * take A, take B, or choose each field's side. The resolution is `resolveParkedConflict`, the one
 * `POST /v1/syncs/{id}/conflicts/{c}/resolve` calls: both sides written, audited.
 */
export function consoleSyncConflictPages(deps: {
  db: Kysely<Database>;
  store: SyncStore;
  records?: RecordClient | undefined;
  logger: Logger;
  counters?: SyncCounters | undefined;
}) {
  const { db, store, records } = deps;
  const sideOf = (value: string | undefined): SideName => (value === 'b' ? 'b' : 'a');

  function page(
    c: ConsoleContext,
    data: ConflictPageData,
    extra: { chosen?: Record<string, unknown>; problem?: string } = {},
    status: 200 | 409 | 422 = 200,
  ) {
    return c.html(
      <ConflictPage
        session={c.get('session')}
        sync={data.sync}
        conflict={data.conflict}
        shape={data.shape}
        fields={data.fields}
        canResolve={can(c, 'runs:operate') && records !== undefined}
        chosen={extra.chosen}
        flash={extra.problem ? { problem: extra.problem } : takeFlash(c)}
      />,
      status,
    );
  }

  return (console: Hono<ConsoleEnv>) => {
    const path = '/syncs/:id/conflicts/:conflict';
    const noConflict = (c: ConsoleContext) =>
      errorPage(c, 404, `Sync ${c.req.param('id')} has no conflict ${c.req.param('conflict')}.`);
    const load = (c: ConsoleContext, shape: SideName) =>
      conflictPageData(db, store, c.req.param('id') ?? '', c.req.param('conflict') ?? '', shape);

    console.get(path, consolePermission(db, 'read'), async (c) => {
      const data = await load(c, sideOf(c.req.query('shape')));
      return data ? page(c, data) : noConflict(c);
    });

    if (!records) return;
    const resolver = {
      db,
      records,
      logger: deps.logger,
      ...(deps.counters ? { counters: deps.counters } : {}),
    };

    console.post(`${path}/resolve`, consolePermission(db, 'runs:operate'), async (c) => {
      const form = await c.req.parseBody({ all: true });
      const data = await load(c, sideOf(field(form, 'shape')));
      if (!data) return noConflict(c);
      const syncPage = `/console/syncs/${encodeURIComponent(data.sync.id)}`;
      const refuse = (problem: string, status: 409 | 422 = 422) =>
        page(c, data, { chosen: form, problem: `${problem} Nothing was written.` }, status);
      if (data.conflict.state !== 'open') return refuse('The conflict is resolved already.', 409);
      const choice = field(form, 'choice');
      let resolution: ConflictChoice;
      if (choice === 'a' || choice === 'b') resolution = { take: choice };
      else if (choice === 'fields') {
        const { record, unchosen } = mergedRecord(data.fields, form);
        if (unchosen.length > 0) return refuse(`Choose A or B for ${unchosen.join(', ')}.`);
        resolution = { side: data.shape, record };
      } else return refuse('Choose A, B, or which side each field keeps.');
      try {
        await resolveParkedConflict(resolver, data.row, resolution, {
          actor: actorOf(c.get('session').principal),
          requestId: c.get('requestId'),
        });
      } catch (error) {
        if (!(error instanceof ConfigProblem)) throw error;
        const detail = error.problems.map((p) => `${p.pointer}: ${p.detail}`).join('; ');
        return refuse(
          `${error.message}${detail ? ` (${detail})` : ''}`,
          error.status === 409 ? 409 : 422,
        );
      }
      const after = await load(c, data.shape);
      return back(c, syncPage, 'done', outcomeText(after?.conflict.resolution ?? null));
    });
  };
}
