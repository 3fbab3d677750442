import type { ConsoleSession } from './console-sessions.js';
import {
  DriftItems,
  driftTotal,
  ReconciliationSummary,
  RepairForm,
  reconciliationHref,
} from './drift-section.js';
import { AfterPager } from './filter-bar.js';
import { Flash, Layout } from './layout.js';
import type { DriftLine } from './sync-drift.js';
import type { ReconciliationLine } from './sync-runs.js';

/** One reconciliation of a sync: its summary, every drift item page by page, and repair. */
export function ReconciliationPage(props: {
  session: ConsoleSession;
  sync: { id: string; name: string };
  reconciliation: ReconciliationLine;
  page: { items: readonly DriftLine[]; next: string | undefined; after: string | undefined };
  canRepair: boolean;
  flash: { done?: string; problem?: string };
}) {
  const { sync, reconciliation: r, page } = props;
  const here = reconciliationHref(sync.id, r.id);
  return (
    <Layout
      title={`Reconciliation of ${sync.name}`}
      session={props.session}
      current="/console/syncs"
    >
      <p>
        <a href={`/console/syncs/${encodeURIComponent(sync.id)}`}>Back to the sync {sync.name}</a>
      </p>
      <Flash {...props.flash} />
      <ReconciliationSummary reconciliation={r} />
      <p class="muted">
        {r.id}, asked for by {r.requestedBy} ({r.trigger}), of the sync's version {r.syncVersion}.
      </p>
      {props.canRepair && (
        <RepairForm session={props.session} syncId={sync.id} reconciliation={r} />
      )}
      <section aria-labelledby="items">
        <h2 id="items">The drift report, {driftTotal(r)} items</h2>
        {page.items.length === 0 ? (
          <p>{page.after === undefined ? 'No drift: both sides agree.' : 'No more items.'}</p>
        ) : (
          <DriftItems
            items={page.items}
            caption={`${page.items.length} items${page.after === undefined ? ', from the first' : ''}, in report order`}
          />
        )}
        <AfterPager label="Pages of the report" href={here} after={page.after} next={page.next} />
      </section>
    </Layout>
  );
}
