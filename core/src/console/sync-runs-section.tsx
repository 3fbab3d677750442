import type { Child } from 'hono/jsx';
import { Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { driftTotal, reconciliationHref } from './drift-section.js';
import { ConfirmForm, StateBadge } from './layout.js';
import type { BackfillLine, ReconciliationLine, SyncRuns } from './sync-runs.js';

const n = (value: number) => value.toLocaleString('en');

type RunProgress = BackfillLine['progress'] | ReconciliationLine['progress'];

/**
 * A run's progress in three cells: records done of a total, as a bar and in words (the total is
 * unknown until both sides are counted or listed), the rate, and the ETA.
 */
function ProgressCells(props: { progress: RunProgress }) {
  const { done, total, ratePerSecond, eta } = props.progress;
  const percent =
    total === null ? 0 : total === 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
  return (
    <>
      <td>
        {total === null ? (
          <span>{n(done)} of a total not known yet</span>
        ) : (
          <span>
            <progress
              value={Math.min(done, total)}
              max={Math.max(total, 1)}
              aria-label="Progress"
            />{' '}
            {n(done)} / {n(total)} ({percent}%)
          </span>
        )}
      </td>
      <td>{ratePerSecond === null ? '–' : `${n(ratePerSecond)}/s`}</td>
      <td>
        <Time at={eta} />
      </td>
    </>
  );
}

const active = (state: string) => state === 'queued' || state === 'running';

/** Whether any of a sync's latest runs is still under way (its page then refreshes them). */
export const anyActive = (runs: SyncRuns) =>
  [...runs.backfills, ...runs.reconciliations].some((r) => active(r.state));

/**
 * The latest runs of one kind, newest first: the columns every run has (asked, state, progress,
 * rate, ETA) then the kind's own, one row a run; a sentence when there is none yet.
 */
function RunTable<T>(props: {
  runs: readonly T[];
  none: string;
  columns: readonly string[];
  row: (run: T) => Child;
}) {
  if (props.runs.length === 0) return <p class="muted">{props.none}</p>;
  return (
    <table>
      <caption class="muted">The latest {props.runs.length}, newest first</caption>
      <thead>
        <tr>
          {['Asked (UTC)', 'State', 'Progress', 'Rate', 'ETA (UTC)', ...props.columns].map((c) => (
            <th scope="col">{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.runs.map(props.row)}</tbody>
    </table>
  );
}

/** The latest backfills and reconciliations with their progress: the part that refreshes. */
export function SyncRunTables(props: {
  syncId: string;
  backfills: readonly BackfillLine[];
  reconciliations: readonly ReconciliationLine[];
}) {
  return (
    <>
      <h3>Backfills</h3>
      <RunTable
        runs={props.backfills}
        none="No backfill yet."
        columns={['Linked, created on A, on B', 'Error']}
        row={(b) => (
          <tr>
            <td>
              <Time at={b.createdAt} />
            </td>
            <td>
              <StateBadge state={b.state} />
            </td>
            <ProgressCells progress={b.progress} />
            <td>
              {n(b.linked)}, {n(b.created.a)}, {n(b.created.b)}
              {b.flagged > 0 ? `; ${n(b.flagged)} flagged` : ''}
              {b.skipped > 0 ? `; ${n(b.skipped)} skipped` : ''}
            </td>
            <td class={b.error ? 'error' : undefined}>{b.error ?? ''}</td>
          </tr>
        )}
      />
      <h3>Reconciliations</h3>
      <RunTable
        runs={props.reconciliations}
        none="No reconciliation yet."
        columns={['Records read on A, on B', 'Drift found', 'Finished (UTC)', 'Error']}
        row={(r) => (
          <tr>
            <td>
              <Time at={r.createdAt} />
            </td>
            <td>
              <StateBadge state={r.state} />
              {r.phase ? ` ${r.phase}` : ''}
              {r.resumed > 0 ? `, resumed ${r.resumed}×` : ''}
            </td>
            <ProgressCells progress={r.progress} />
            <td>
              {n(r.seen.a)}, {n(r.seen.b)}
            </td>
            <td>
              <a href={reconciliationHref(props.syncId, r.id)}>{n(driftTotal(r))} items</a>
            </td>
            <td>
              <Time at={r.finishedAt} />
            </td>
            <td class={r.error ? 'error' : undefined}>{r.error ?? ''}</td>
          </tr>
        )}
      />
    </>
  );
}

/**
 * Backfills and reconciliations of a sync: start either (for `runs:operate`, behind a
 * confirmation), and the latest of each with their progress, refreshed in place while one runs.
 */
export function SyncRunsSection(props: {
  session: ConsoleSession;
  syncId: string;
  runs: SyncRuns;
  canStart: boolean;
}) {
  const base = `/console/syncs/${encodeURIComponent(props.syncId)}`;
  return (
    <section aria-labelledby="bulk">
      <h2 id="bulk">Backfills and reconciliations</h2>
      {props.canStart && (
        <div class="pager">
          <ConfirmForm
            session={props.session}
            action={`${base}/backfill`}
            label="Start a backfill"
            question="List both sides from the start, link the records that match and create the missing ones (in batches)? Change detection waits while it runs."
          />
          <ConfirmForm
            session={props.session}
            action={`${base}/reconciliations`}
            label="Start a reconciliation"
            question="Compare both sides record by record into a drift report? It reads both systems and writes nothing to them."
          />
        </div>
      )}
      <div
        id="bulk-runs"
        data-poll={anyActive(props.runs) ? `${base}/runs` : undefined}
        data-every="3000"
      >
        <SyncRunTables syncId={props.syncId} {...props.runs} />
      </div>
    </section>
  );
}
