import { Time } from './console-format.js';
import type { DriftLine, ReconciliationLine } from './sync-drift.js';

const kinds: Record<string, string> = {
  only_a: 'only on A',
  only_b: 'only on B',
  differs: 'linked but different',
  stale_link: 'stale link',
  unlinked: 'matching but unlinked',
};

/** The latest reconciliation's drift report: counts by kind and its first items. */
export function DriftSection(props: {
  drift: { reconciliation: ReconciliationLine; items: readonly DriftLine[] } | undefined;
}) {
  const d = props.drift;
  return (
    <section aria-labelledby="drift">
      <h2 id="drift">Drift, the latest reconciliation</h2>
      {!d ? (
        <p class="muted">
          No reconciliation yet: <code>POST /v1/syncs/&#123;id&#125;/reconciliations</code> compares
          both sides record by record.
        </p>
      ) : (
        <>
          <p>
            {d.reconciliation.state}
            {d.reconciliation.phase ? ` (${d.reconciliation.phase})` : ''}, started{' '}
            <Time at={d.reconciliation.startedAt} />, finished{' '}
            <Time at={d.reconciliation.finishedAt} />: {d.reconciliation.seen.a} records read on A,{' '}
            {d.reconciliation.seen.b} on B.{' '}
            {Object.entries(d.reconciliation.counts)
              .map(([kind, n]) => `${kinds[kind] ?? kind}: ${n}`)
              .join(', ')}
            .
          </p>
          {d.items.length > 0 && (
            <table>
              <caption class="muted">The first {d.items.length} items of the report</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">A record</th>
                  <th scope="col">B record</th>
                  <th scope="col">Fields (A value, B value)</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((item) => (
                  <tr>
                    <td>{kinds[item.kind] ?? item.kind}</td>
                    <td>{item.aKey ?? '–'}</td>
                    <td>{item.bKey ?? '–'}</td>
                    <td>
                      {item.fields
                        ? item.fields
                            .map(
                              (f) => `${f.field}: ${JSON.stringify(f.a)} / ${JSON.stringify(f.b)}`,
                            )
                            .join('; ')
                        : item.missing
                          ? `gone on ${item.missing}`
                          : '–'}
                    </td>
                    <td>{item.state}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
