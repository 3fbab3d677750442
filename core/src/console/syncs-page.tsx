import type { SyncDefinition, SyncSide } from '../sync/sync-definition.js';
import { conflictHref } from './conflict-page.js';
import { JsonBlock, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { DriftSection } from './drift-section.js';
import { Flash, Layout, StateBadge } from './layout.js';
import { waitingLinksHref } from './sync-links-page.js';
import type { SyncRuns } from './sync-runs.js';
import { SyncRunsSection } from './sync-runs-section.js';
import { linkCountCap, type OpenConflict, type SyncStatus } from './sync-status.js';

/** One sync as the pages show it: its definition and its state. */
export interface SyncLine {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly version: number;
  readonly updatedAt: string;
  readonly definition: SyncDefinition;
  readonly status: SyncStatus;
}

const arrows = { a_to_b: '→', b_to_a: '←', both: '↔' } as const;

/** A side in words: connector, record type and (for tables) the table. */
function Side(props: { side: SyncSide }) {
  const table = props.side.settings?.table;
  return (
    <span>
      {props.side.connector} {props.side.recordType}
      {typeof table === 'string' ? <code> {table}</code> : ''}
    </span>
  );
}

const count = (n: number) =>
  n >= linkCountCap ? `${linkCountCap.toLocaleString('en')}+` : String(n);

/** Links that need a look (not active), in words. */
function Attention(props: { status: SyncStatus }) {
  const entries = Object.entries(props.status.byState);
  if (entries.length === 0) return <span class="muted">none</span>;
  return <span>{entries.map(([state, n]) => `${n} ${state}`).join(', ')}</span>;
}

/** Every sync (bounded) with its sides, direction, links and open conflicts. */
export function SyncsPage(props: { session: ConsoleSession; syncs: readonly SyncLine[] }) {
  return (
    <Layout title="Syncs" session={props.session} current="/console/syncs">
      <p class="muted">
        Two-way and one-way syncs between systems of record. A sync's page starts its backfills and
        reconciliations, resolves its conflicts and repairs its drift; change its definition with{' '}
        <code>/v1/syncs</code>.
      </p>
      {props.syncs.length === 0 ? (
        <p>No syncs yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Sync</th>
              <th scope="col">State</th>
              <th scope="col">Side A</th>
              <th scope="col">Direction</th>
              <th scope="col">Side B</th>
              <th scope="col">Links</th>
              <th scope="col">Needing a look</th>
              <th scope="col">Open conflicts</th>
            </tr>
          </thead>
          <tbody>
            {props.syncs.map((s) => (
              <tr>
                <th scope="row">
                  <a href={`/console/syncs/${encodeURIComponent(s.id)}`}>{s.name}</a>
                </th>
                <td>
                  <StateBadge state={s.enabled ? 'enabled' : 'disabled'} />
                </td>
                <td>
                  <Side side={s.definition.a} />
                </td>
                <td>
                  <span aria-hidden="true">{arrows[s.definition.direction]}</span>{' '}
                  {s.definition.direction}
                </td>
                <td>
                  <Side side={s.definition.b} />
                </td>
                <td>{count(s.status.links)}</td>
                <td>
                  <Attention status={s.status} />
                </td>
                <td>{count(s.status.openConflicts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/**
 * One sync: state, its backfills and reconciliations (started here), each side's change cursor
 * and last full scan, open conflicts (each resolved on its page), the latest reconciliation's
 * drift report (repaired here), the definition.
 */
export function SyncPage(props: {
  session: ConsoleSession;
  sync: SyncLine;
  conflicts: readonly OpenConflict[];
  runs: SyncRuns;
  drift: Parameters<typeof DriftSection>[0]['drift'];
  /** Whether the session may (and this process can) start runs, repair and resolve. */
  can: { start: boolean; repair: boolean; resolve: boolean };
  flash: { done?: string; problem?: string };
}) {
  const { sync: s } = props;
  const d = s.definition;
  return (
    <Layout title={`Sync ${s.name}`} session={props.session} current="/console/syncs">
      <Flash {...props.flash} />
      <dl class="cards">
        <div>
          <dt>State</dt>
          <dd>
            <StateBadge state={s.enabled ? 'enabled' : 'disabled'} />
          </dd>
        </div>
        <div>
          <dt>Links</dt>
          <dd>{count(s.status.links)}</dd>
        </div>
        <div>
          <dt>Open conflicts</dt>
          <dd>{count(s.status.openConflicts)}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{s.version}</dd>
        </div>
      </dl>
      <p>
        <Side side={d.a} /> {arrows[d.direction]} <Side side={d.b} /> ({d.direction}); conflicts:{' '}
        {d.conflict.policy}, deletes: {d.deletes.policy}; changes every {d.intervalSeconds} s, a
        full scan for deletes every {d.deleteScanSeconds} s. Links needing a look:{' '}
        <Attention status={s.status} />
        {(s.status.byState.flagged ?? 0) + (s.status.byState.archived ?? 0) > 0 && (
          <>
            {' '}
            (<a href={waitingLinksHref(s.id)}>the flagged and archived links, to settle</a>)
          </>
        )}
        . Changed <Time at={s.updatedAt} />.
      </p>
      <SyncRunsSection
        session={props.session}
        syncId={s.id}
        runs={props.runs}
        canStart={props.can.start}
      />
      <section aria-labelledby="cursors">
        <h2 id="cursors">Where each side's change detection is</h2>
        {s.status.cursors.length === 0 ? (
          <p class="muted">No side has been read yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Side</th>
                <th scope="col">Position</th>
                <th scope="col">Last full scan (UTC)</th>
                <th scope="col">Moved (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {s.status.cursors.map((c) => (
                <tr>
                  <th scope="row">{c.side.toUpperCase()}</th>
                  <td>
                    <code>{JSON.stringify(c.position)}</code>
                  </td>
                  <td>
                    <Time at={c.scannedAt} />
                  </td>
                  <td>
                    <Time at={c.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="conflicts">
        <h2 id="conflicts">Open conflicts, newest first</h2>
        {props.conflicts.length === 0 ? (
          <p>No open conflict.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">A record</th>
                <th scope="col">B record</th>
                <th scope="col">Since (UTC)</th>
                <th scope="col">Both sides and the base</th>
                <th scope="col">Field by field</th>
              </tr>
            </thead>
            <tbody>
              {props.conflicts.map((c) => (
                <tr>
                  <td>{c.aKey ?? '–'}</td>
                  <td>{c.bKey ?? '–'}</td>
                  <td>
                    <Time at={c.createdAt} />
                  </td>
                  <td>
                    <details>
                      <summary>Records</summary>
                      <JsonBlock
                        value={{ a: c.aRecord, b: c.bRecord, base: c.base }}
                        label={`Conflict ${c.id}`}
                      />
                    </details>
                  </td>
                  <td>
                    <a href={conflictHref(s.id, c.id)}>
                      {props.can.resolve ? 'Compare and resolve' : 'Compare'}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <DriftSection
        session={props.session}
        syncId={s.id}
        drift={props.drift}
        canRepair={props.can.repair}
      />
      <section aria-labelledby="definition">
        <h2 id="definition">Definition, version {s.version}</h2>
        <JsonBlock value={d} label={`Definition, version ${s.version}`} />
      </section>
    </Layout>
  );
}
