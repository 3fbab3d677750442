import type { ReviewView } from '../review/review-view.js';
import { queryOf, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { FilterBar, integrationFilter, Pager, selectFilter } from './filter-bar.js';
import { Csrf, Flash, Layout } from './layout.js';

/** The review queue's filters as typed ('' when unset). */
export interface ReviewsFilterForm {
  readonly integration: string;
  readonly state: 'open' | 'decided' | 'all';
  readonly sla: '' | 'ok' | 'breached';
  readonly assignee: '' | 'me' | 'none';
}

export interface ReviewsPageData {
  readonly filter: ReviewsFilterForm;
  readonly integrations: readonly { id: string; name: string }[];
  readonly items: readonly ReviewView[];
  readonly next: string | undefined;
  readonly cursor: string | undefined;
  readonly canDecide: boolean;
}

/** The SLA of an item as a badge: words as well as colour. */
export function SlaBadge(props: { sla: ReviewView['sla'] }) {
  if (props.sla.state === 'none') return <span class="muted">no SLA</span>;
  if (props.sla.state === 'breached') return <span class="badge badge-breached">SLA breached</span>;
  return (
    <span class="badge badge-ok">
      due <Time at={props.sla.dueAt} />
    </span>
  );
}

/** The queue's table (refreshed in place on the first page). */
export function ReviewRows(props: { data: ReviewsPageData; session: ConsoleSession }) {
  const { data } = props;
  const names = new Map(data.integrations.map((i) => [i.id, i.name]));
  if (data.items.length === 0) return <p>No review items match these filters.</p>;
  const open = data.canDecide && data.filter.state === 'open';
  return (
    <table>
      <caption class="muted">Oldest first; {data.items.length} on this page.</caption>
      <thead>
        <tr>
          {open && (
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select every item on this page"
                data-select-all="ids"
              />
            </th>
          )}
          <th scope="col">Item</th>
          <th scope="col">Integration</th>
          <th scope="col">Step</th>
          <th scope="col">Confidence</th>
          <th scope="col">SLA</th>
          <th scope="col">Claimed by</th>
          <th scope="col">State</th>
          <th scope="col">Waiting since (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {data.items.map((item) => (
          <tr>
            {open && (
              <td>
                <input
                  type="checkbox"
                  name="ids"
                  value={item.id}
                  form="bulk"
                  aria-label={`Select ${item.id}`}
                />
              </td>
            )}
            <th scope="row">
              <a href={`/console/reviews/${encodeURIComponent(item.id)}`}>{item.id}</a>
            </th>
            <td>{names.get(item.integration) ?? item.integration}</td>
            <td>
              {item.route}/{item.step} <span class="muted">({item.reason})</span>
            </td>
            <td>{item.confidence === null ? '–' : item.confidence.toFixed(2)}</td>
            <td>
              <SlaBadge sla={item.sla} />
            </td>
            <td>{item.assignee ?? <span class="muted">nobody</span>}</td>
            <td>
              <span class={`state state-${item.state}`}>{item.state}</span>
            </td>
            <td>
              <Time at={item.createdAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The review queue: filters, a page of items, bulk approve of the ticked ones. */
export function ReviewsPage(props: {
  session: ConsoleSession;
  data: ReviewsPageData;
  flash: { done?: string; problem?: string };
}) {
  const { data, session } = props;
  const f = data.filter;
  const query = (cursor?: string) =>
    queryOf({
      integration: f.integration,
      state: f.state,
      sla: f.sla,
      assignee: f.assignee,
      cursor,
    });
  return (
    <Layout title="Review queue" session={session} current="/console/reviews">
      <Flash {...props.flash} />
      <FilterBar
        action="/console/reviews"
        legend="Filter the queue"
        submit="Show items"
        fields={[
          integrationFilter(f.integration, data.integrations),
          selectFilter('state', 'State', f.state, ['open', 'decided', 'all']),
          selectFilter('sla', 'SLA', f.sla, [
            ['', 'Any'],
            ['breached', 'breached'],
            ['ok', 'within'],
          ]),
          selectFilter('assignee', 'Claimed', f.assignee, [
            ['', 'By anyone or nobody'],
            ['me', 'By me'],
            ['none', 'By nobody'],
          ]),
        ]}
      />
      {data.canDecide && f.state === 'open' && data.items.length > 0 && (
        <form id="bulk" method="post" action="/console/reviews/approve">
          <Csrf session={session} />
          <input type="hidden" name="back" value={`/console/reviews${query(data.cursor)}`} />
          <p>
            <button type="submit">Approve the ticked items</button>{' '}
            <span class="muted">Each is approved as it stands (with its edit, if any).</span>
          </p>
        </form>
      )}
      <section aria-labelledby="items-heading">
        <h2 id="items-heading">Items</h2>
        <div
          id="review-rows"
          data-poll={data.cursor === undefined ? `/console/reviews/rows${query()}` : undefined}
          data-every="5000"
        >
          <ReviewRows data={data} session={session} />
        </div>
        <Pager
          label="Pages of review items"
          first={
            data.cursor === undefined
              ? undefined
              : { href: `/console/reviews${query()}`, text: 'First page' }
          }
          next={
            data.next === undefined
              ? undefined
              : { href: `/console/reviews${query(data.next)}`, text: 'Next page' }
          }
        />
      </section>
    </Layout>
  );
}
