import type { DiscrepancyReport } from '../rollout/index.js';
import { JsonBlock, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import type { JsonChange } from './json-diff.js';
import { ConfirmForm, Flash, Layout, StateBadge } from './layout.js';

export interface IntegrationLine {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly version: number;
  readonly updatedAt: string;
}

/** Every integration (bounded), each linking its page. */
export function IntegrationsPage(props: {
  session: ConsoleSession;
  integrations: readonly IntegrationLine[];
}) {
  return (
    <Layout title="Integrations" session={props.session} current="/console/integrations">
      {props.integrations.length === 0 ? (
        <p>
          No integrations yet: create one with <code>POST /v1/integrations</code>.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Integration</th>
              <th scope="col">State</th>
              <th scope="col">Version</th>
              <th scope="col">Changed (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {props.integrations.map((i) => (
              <tr>
                <th scope="row">
                  <a href={`/console/integrations/${encodeURIComponent(i.id)}`}>{i.name}</a>
                </th>
                <td>
                  <StateBadge state={i.enabled ? 'enabled' : 'disabled'} />
                </td>
                <td>{i.version}</td>
                <td>
                  <Time at={i.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** One integration: state, actions, versions, the shown version's definition, a diff of two. */
export function IntegrationPage(props: {
  session: ConsoleSession;
  integration: IntegrationLine & { revision: number };
  versions: readonly { version: number; createdAt: string; createdBy: string }[];
  shown: { version: number; definition: unknown };
  diff: { from: number; to: number; changes: readonly JsonChange[] } | undefined;
  canWrite: boolean;
  counts: Readonly<Record<string, number>>;
  rollout: { stage: string; samplePercent: number | null; report: DiscrepancyReport };
  flash: { done?: string; problem?: string };
}) {
  const { integration: i, session } = props;
  const id = encodeURIComponent(i.id);
  const previous = props.versions.find((v) => v.version < i.version)?.version;
  return (
    <Layout title={i.name} session={session} current="/console/integrations">
      <Flash {...props.flash} />
      <p>
        <StateBadge state={i.enabled ? 'enabled' : 'disabled'} /> version {i.version}, changed{' '}
        <Time at={i.updatedAt} />. <a href={`/console/runs?integration=${id}`}>Its runs</a>
        {' · '}
        <a href={`/console/runs?integration=${id}&state=dead`}>dead: {props.counts.dead ?? 0}</a>
        {' · '}
        <a href={`/console/runs?integration=${id}&state=waiting`}>
          waiting: {props.counts.waiting ?? 0}
        </a>
      </p>
      {props.canWrite && (
        <ConfirmForm
          session={session}
          action={`/console/integrations/${id}/${i.enabled ? 'disable' : 'enable'}`}
          label={i.enabled ? 'Disable' : 'Enable'}
          question={
            i.enabled
              ? 'Disable this integration? Its trigger stops (polls and webhooks); runs already queued go on.'
              : 'Enable this integration? Its trigger starts at once.'
          }
          danger={i.enabled}
          fields={{ revision: String(i.revision) }}
        />
      )}
      <RolloutSection {...props.rollout} />
      <section aria-labelledby="versions">
        <h2 id="versions">Versions</h2>
        <form method="get" action={`/console/integrations/${id}`}>
          <fieldset class="filters">
            <legend>Compare two versions</legend>
            <div>
              <label for="from">From version</label>
              <select id="from" name="from">
                {props.versions.map((v) => (
                  <option
                    value={String(v.version)}
                    selected={(props.diff?.from ?? previous) === v.version}
                  >
                    {v.version}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for="to">To version</label>
              <select id="to" name="to">
                {props.versions.map((v) => (
                  <option
                    value={String(v.version)}
                    selected={(props.diff?.to ?? i.version) === v.version}
                  >
                    {v.version}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <button type="submit">Compare</button>
            </div>
          </fieldset>
        </form>
        {props.diff && (
          <table>
            <caption>
              Changes from version {props.diff.from} to {props.diff.to}
              {props.diff.changes.length === 0 ? ': none.' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Change</th>
                <th scope="col">Version {props.diff.from}</th>
                <th scope="col">Version {props.diff.to}</th>
              </tr>
            </thead>
            <tbody>
              {props.diff.changes.map((d) => (
                <tr class="diff-changed">
                  <th scope="row">
                    <code>{d.pointer}</code>
                  </th>
                  <td>{d.kind}</td>
                  <td>{d.before === undefined ? '–' : JSON.stringify(d.before)}</td>
                  <td>{d.after === undefined ? '–' : JSON.stringify(d.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <ul>
          {props.versions.map((v) => (
            <li>
              <a
                href={`/console/integrations/${id}?version=${v.version}`}
                aria-current={props.shown.version === v.version ? 'true' : undefined}
              >
                Version {v.version}
              </a>{' '}
              <span class="muted">
                <Time at={v.createdAt} /> by {v.createdBy}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="definition">
        <h2 id="definition">Definition, version {props.shown.version}</h2>
        <JsonBlock
          value={props.shown.definition}
          label={`Definition, version ${props.shown.version}`}
        />
      </section>
    </Layout>
  );
}

/** The rollout stage and, for writes a shadow run recorded, the discrepancy report's summary. */
function RolloutSection(props: {
  stage: string;
  samplePercent: number | null;
  report: DiscrepancyReport;
}) {
  const { report: r } = props;
  return (
    <section aria-labelledby="rollout">
      <h2 id="rollout">Rollout</h2>
      <p>
        Stage <strong>{props.stage}</strong>
        {props.samplePercent !== null ? ` (${props.samplePercent}% reviewed)` : ''}. Change it with{' '}
        <code>PUT /v1/integrations/&#123;id&#125;/rollout</code>.
      </p>
      {r.writes.intended === 0 ? (
        <p class="muted">No shadow writes in the last 30 days.</p>
      ) : (
        <>
          <p>
            Shadow writes in the last 30 days: {r.writes.intended} intended, {r.writes.compared}{' '}
            compared, {r.writes.matched} matched
            {r.matchRate === null ? '' : ` (${(r.matchRate * 100).toFixed(1)}%)`},{' '}
            {r.writes.pending} waiting to be compared, {r.writes.unreadable} unreadable.
            Discrepancies: {r.discrepancies.open} open, {r.discrepancies.explained} explained.
          </p>
          {r.examples.length > 0 && (
            <table>
              <caption class="muted">Discrepancies, open ones first</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Record</th>
                  <th scope="col">Field</th>
                  <th scope="col">Intended</th>
                  <th scope="col">In the target</th>
                  <th scope="col">Explained</th>
                </tr>
              </thead>
              <tbody>
                {r.examples.map((d) => (
                  <tr>
                    <td>{d.kind}</td>
                    <td>
                      <a href={`/console/runs/${encodeURIComponent(d.run)}`}>
                        {d.targetKey ?? d.run}
                      </a>
                    </td>
                    <td>{d.field ?? '–'}</td>
                    <td>{JSON.stringify(d.intended ?? null)}</td>
                    <td>{JSON.stringify(d.actual ?? null)}</td>
                    <td>{d.explained ? d.explained.reason : 'no'}</td>
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
