import { JsonBlock, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import type { IntegrationPageData } from './integration-page-data.js';
import { ConfirmForm, Flash, Layout, StateBadge } from './layout.js';
import { MappingPreviewSection } from './mapping-preview.js';
import type { PreviewState } from './mapping-preview-data.js';
import { RolloutSection } from './rollout-section.js';

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

/**
 * One integration: state, actions, rollout stage and shadow report, versions, a diff of two,
 * the shown version's definition and a preview of its mappings on sample data.
 */
export function IntegrationPage(props: {
  session: ConsoleSession;
  data: IntegrationPageData;
  canWrite: boolean;
  canOperate: boolean;
  preview: PreviewState;
  flash: { done?: string; problem?: string };
}) {
  const { session, data } = props;
  const { integration: i } = data;
  const id = encodeURIComponent(i.id);
  const previous = data.versions.find((v) => v.version < i.version)?.version;
  return (
    <Layout title={i.name} session={session} current="/console/integrations">
      <Flash {...props.flash} />
      <p>
        <StateBadge state={i.enabled ? 'enabled' : 'disabled'} /> version {i.version}, changed{' '}
        <Time at={i.updatedAt} />. <a href={`/console/runs?integration=${id}`}>Its runs</a>
        {' · '}
        <a href={`/console/runs?integration=${id}&state=dead`}>dead: {data.counts.dead ?? 0}</a>
        {' · '}
        <a href={`/console/runs?integration=${id}&state=waiting`}>
          waiting: {data.counts.waiting ?? 0}
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
      <RolloutSection
        session={session}
        integration={i.id}
        rollout={data.rollout}
        canWrite={props.canWrite}
      />
      <section aria-labelledby="versions">
        <h2 id="versions">Versions</h2>
        <form method="get" action={`/console/integrations/${id}`}>
          <fieldset class="filters">
            <legend>Compare two versions</legend>
            <div>
              <label for="from">From version</label>
              <select id="from" name="from">
                {data.versions.map((v) => (
                  <option
                    value={String(v.version)}
                    selected={(data.diff?.from ?? previous) === v.version}
                  >
                    {v.version}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for="to">To version</label>
              <select id="to" name="to">
                {data.versions.map((v) => (
                  <option
                    value={String(v.version)}
                    selected={(data.diff?.to ?? i.version) === v.version}
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
        {data.diff && (
          <table>
            <caption>
              Changes from version {data.diff.from} to {data.diff.to}
              {data.diff.changes.length === 0 ? ': none.' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Change</th>
                <th scope="col">Version {data.diff.from}</th>
                <th scope="col">Version {data.diff.to}</th>
              </tr>
            </thead>
            <tbody>
              {data.diff.changes.map((d) => (
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
          {data.versions.map((v) => (
            <li>
              <a
                href={`/console/integrations/${id}?version=${v.version}`}
                aria-current={data.shown.version === v.version ? 'true' : undefined}
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
      <MappingPreviewSection
        session={session}
        action={`/console/integrations/${id}/preview#preview`}
        version={data.shown.version}
        preview={props.preview}
      />
      <section aria-labelledby="definition">
        <h2 id="definition">Definition, version {data.shown.version}</h2>
        <JsonBlock
          value={data.shown.definition}
          label={`Definition, version ${data.shown.version}`}
        />
      </section>
    </Layout>
  );
}
