import type { RunView } from '../runs/run-view.js';
import { runStates } from '../runs/run-view.js';
import { queryOf, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
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
  const err = (name: string) =>
    data.problems[name] ? (
      <span class="error" id={`${name}-error`}>
        {data.problems[name]}
      </span>
    ) : undefined;
  const described = (name: string) => (data.problems[name] ? `${name}-error` : undefined);
  return (
    <Layout title="Runs" session={session} current="/console/runs">
      <Flash {...props.flash} />
      <form method="get" action="/console/runs">
        <fieldset class="filters">
          <legend>Filter runs</legend>
          <div>
            <label for="integration">Integration</label>
            <select id="integration" name="integration">
              <option value="">Any</option>
              {data.integrations.map((i) => (
                <option value={i.id} selected={f.integration === i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="state">State</label>
            <select id="state" name="state" aria-describedby={described('state')}>
              <option value="">Any</option>
              {runStates.map((s) => (
                <option value={s} selected={f.state === s}>
                  {s}
                </option>
              ))}
            </select>
            {err('state')}
          </div>
          <div>
            <label for="record">Source record</label>
            <input id="record" name="record" value={f.record} maxlength={500} />
          </div>
          <div>
            <label for="from">Created from (UTC)</label>
            <input
              id="from"
              name="from"
              type="datetime-local"
              value={f.from}
              aria-invalid={data.problems.from ? 'true' : undefined}
              aria-describedby={described('from')}
            />
            {err('from')}
          </div>
          <div>
            <label for="to">Created before (UTC)</label>
            <input
              id="to"
              name="to"
              type="datetime-local"
              value={f.to}
              aria-invalid={data.problems.to ? 'true' : undefined}
              aria-describedby={described('to')}
            />
            {err('to')}
          </div>
          <div>
            <button type="submit">Show runs</button> <a href="/console/runs">Clear</a>
          </div>
        </fieldset>
      </form>
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
        <nav class="pager" aria-label="Pages of runs">
          {data.cursor !== undefined && <a href={`/console/runs${filterQuery(f)}`}>Newest runs</a>}
          {data.next !== undefined && (
            <a href={`/console/runs${filterQuery(f, data.next)}`} rel="next">
              Older runs
            </a>
          )}
        </nav>
      </section>
    </Layout>
  );
}
