import { Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { ConfirmForm, StateBadge } from './layout.js';
import type { DriftLine } from './sync-drift.js';
import type { ReconciliationLine } from './sync-runs.js';

const kinds: Record<string, string> = {
  only_a: 'only on A',
  only_b: 'only on B',
  differs: 'linked but different',
  stale_link: 'stale link',
  unlinked: 'matching but unlinked',
};

/** Where a sync's reconciliation (and its drift report) is in the console. */
export const reconciliationHref = (syncId: string, rid: string) =>
  `/console/syncs/${encodeURIComponent(syncId)}/reconciliations/${encodeURIComponent(rid)}`;

/** The drift items a report holds (the sum of its counts). */
export const driftTotal = (r: ReconciliationLine) =>
  Object.values(r.counts).reduce((n, c) => n + c, 0);

/** A reconciliation in one sentence: state, when, records read on each side, drift by kind. */
export function ReconciliationSummary(props: { reconciliation: ReconciliationLine }) {
  const r = props.reconciliation;
  return (
    <p>
      <StateBadge state={r.state} />
      {r.phase ? ` (${r.phase})` : ''}, started <Time at={r.startedAt} />, finished{' '}
      <Time at={r.finishedAt} />: {r.seen.a} records read on A, {r.seen.b} on B.{' '}
      {Object.entries(r.counts)
        .map(([kind, n]) => `${kinds[kind] ?? kind}: ${n}`)
        .join(', ')}
      .
      {r.dismissed > 0
        ? ` ${r.dismissed} more found at first were dismissed on a second look (change detection is carrying them).`
        : ''}
      {r.error ? <span class="error"> Error: {r.error}</span> : ''}
    </p>
  );
}

/** What a repair did to an item (or why it left it), in words. */
function repairText(item: DriftLine): string {
  const r = item.repair;
  if (!r) return '';
  const said = [r.action === 'none' ? undefined : r.action, r.detail, r.error].filter(
    (v) => typeof v === 'string' && v !== '',
  );
  return said.join(': ');
}

/** Drift items: kind, both keys, the differing fields' values on both sides, state, repair. */
export function DriftItems(props: { items: readonly DriftLine[]; caption: string }) {
  return (
    <table>
      <caption class="muted">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">A record</th>
          <th scope="col">B record</th>
          <th scope="col">Fields (A value, B value)</th>
          <th scope="col">State</th>
          <th scope="col">Repair</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => (
          <tr>
            <td>{kinds[item.kind] ?? item.kind}</td>
            <td>{item.aKey ?? '–'}</td>
            <td>{item.bKey ?? '–'}</td>
            <td>
              {item.fields
                ? item.fields
                    .map((f) => `${f.field}: ${JSON.stringify(f.a)} / ${JSON.stringify(f.b)}`)
                    .join('; ')
                : item.missing
                  ? `gone on ${item.missing}`
                  : '–'}
            </td>
            <td>{item.state}</td>
            <td>{repairText(item)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The repair button of a finished reconciliation (for `runs:operate`), behind a confirmation. */
export function RepairForm(props: {
  session: ConsoleSession;
  syncId: string;
  reconciliation: ReconciliationLine;
}) {
  if (props.reconciliation.state !== 'succeeded') return null;
  return (
    <ConfirmForm
      session={props.session}
      action={`${reconciliationHref(props.syncId, props.reconciliation.id)}/repair`}
      label="Repair the drift"
      question="Repair every open item of this report by the sync's policies? Each repair writes to the systems and is audited."
    />
  );
}

/** The latest reconciliation's drift report: counts by kind, its first items, repair. */
export function DriftSection(props: {
  session: ConsoleSession;
  syncId: string;
  drift: { reconciliation: ReconciliationLine; items: readonly DriftLine[] } | undefined;
  canRepair: boolean;
}) {
  const d = props.drift;
  return (
    <section aria-labelledby="drift">
      <h2 id="drift">Drift, the latest reconciliation</h2>
      {!d ? (
        <p class="muted">
          No reconciliation yet: one compares both sides record by record (
          <code>POST /v1/syncs/&#123;id&#125;/reconciliations</code>).
        </p>
      ) : (
        <>
          <ReconciliationSummary reconciliation={d.reconciliation} />
          {d.items.length > 0 && (
            <>
              <DriftItems
                items={d.items}
                caption={`The first ${d.items.length} of ${driftTotal(d.reconciliation)} items of the report`}
              />
              <div class="pager">
                <a href={reconciliationHref(props.syncId, d.reconciliation.id)}>
                  The whole report, page by page
                </a>
                {props.canRepair && (
                  <RepairForm
                    session={props.session}
                    syncId={props.syncId}
                    reconciliation={d.reconciliation}
                  />
                )}
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
