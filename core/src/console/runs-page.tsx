import type { RunView } from '../runs/run-view.js';
import { runStates } from '../runs/run-view.js';
import { queryOf, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { FilterBar, integrationFilter, Pager, selectFilter } from './filter-bar.js';
import { ConfirmForm, Flash, Layout, StateBadge } from './layout.js';

/** The runs list's filters, as typed in its form (strings, '' when unset). */
export interface RunsFilterForm {
  readonly integration: string;
  readonly state: string;
  readonly record: string;
  readonly from: string;
  readonly to: string;
}

export interface RunsPageData {
  readonly filter: RunsFilterForm;
  /** Problems with the filter, by field name. */
  readonly problems: Readonly<Record<string, string>>;
  readonly integrations: readonly { id: string; name: string }[];
  readonly runs: readonly RunView[];
  /** The cursor of the next (older) page, when there is one. */
  readonly next: string | undefined;
  /** This page's cursor (undefined: the newest runs, which refresh by themselves). */
  readonly cursor: string | undefined;
  readonly canOperate: boolean;
}

const filterQuery = (f: RunsFilterForm, cursor?: string) => queryOf({ ...f, cursor });

/** The table of runs: the part that refreshes in place on the first page. */
export function RunRows(props: { data: RunsPageData }) {
  const { data } = props;
  const names = new Map(data.integrations.map((i) => [i.id, i.name]));
  if (data.runs.length === 0) return <p>No runs match these filters.</p>;
  return (
    <table>
      <caption class="muted">Newest first; {data.runs.length} on this page.</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Integration</th>
          <th scope="col">State</th>
          <th scope="col">Source record</th>
          <th scope="col">Attempts</th>
          <th scope="col">Created (UTC)</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {data.runs.map((r) => (
          <tr>
            <th scope="row">
              <a href={`/console/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>
            </th>
            <td>{names.get(r.integration) ?? r.integration}</td>
            <td>
              <StateBadge state={r.state} />
            </td>
            <td>
              {r.sourceRecord === null ? (
                <span class="muted">–</span>
              ) : (
                <a
                  href={`/console/runs${queryOf({ record: r.sourceRecord, integration: r.integration })}`}
                >
                  {r.sourceRecord}
                </a>
              )}
            </td>
            <td>
              {r.attempts}/{r.maxAttempts}
            </td>
            <td>
              <Time at={r.createdAt} />
            </td>
            <td>{r.lastError ? String(r.lastError.message ?? r.lastError.kind ?? '') : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Runs: filters, a page of runs (refreshing while on the newest), older pages by cursor. */
export function RunsPage(props: {
  session: ConsoleSession;
  data: RunsPageData;
  flash: { done?: string; problem?: string };
}) {
  const { data, session } = props;
  const f = data.filter;
  return (
    <Layout title="Runs" session={session} current="/console/runs">
      <Flash {...props.flash} />
      <FilterBar
        action="/console/runs"
        legend="Filter runs"
        submit="Show runs"
        clear
        problems={data.problems}
        fields={[
          integrationFilter(f.integration, data.integrations),
          selectFilter('state', 'State', f.state, [['', 'Any'], ...runStates]),
          { kind: 'text', name: 'record', label: 'Source record', value: f.record },
          { kind: 'datetime-local', name: 'from', label: 'Created from (UTC)', value: f.from },
          { kind: 'datetime-local', name: 'to', label: 'Created before (UTC)', value: f.to },
        ]}
      />
      {data.canOperate && f.integration !== '' && (
        <p>
          <ConfirmForm
            session={session}
            action={`/console/integrations/${encodeURIComponent(f.integration)}/replay-dead`}
            label="Replay all dead runs"
            question="Replay every dead run of this integration that has not been replayed yet?"
          />
        </p>
      )}
      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">{data.cursor ? 'Older runs' : 'Newest runs'}</h2>
        {data.cursor === undefined ? (
          <div id="run-rows" data-poll={`/console/runs/rows${filterQuery(f)}`} data-every="5000">
            <RunRows data={data} />
          </div>
        ) : (
          <div id="run-rows">
            <RunRows data={data} />
          </div>
        )}
        <Pager
          label="Pages of runs"
          first={
            data.cursor === undefined
              ? undefined
              : { href: `/console/runs${filterQuery(f)}`, text: 'Newest runs' }
          }
          next={
            data.next === undefined
              ? undefined
              : { href: `/console/runs${filterQuery(f, data.next)}`, text: 'Older runs' }
          }
        />
      </section>
    </Layout>
  );
}
