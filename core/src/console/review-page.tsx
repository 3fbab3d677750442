import type { InputProblem } from '@junction/connector-kit';
import type { ReviewView } from '../review/review-view.js';
import { JsonBlock, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { Csrf, Flash, Layout } from './layout.js';
import { ReassignForm } from './reassign-form.js';
import { fieldOf, fieldText } from './review-form.js';
import { SlaBadge } from './reviews-page.js';

const show = (value: unknown) => (value === undefined ? '–' : JSON.stringify(value));

/**
 * One review item: the proposal beside the data it came from and the target's current record
 * (as a diff), the edit form with each problem beside its field, claim, approve and reject, and
 * keyboard shortcuts for all of them.
 */
export function ReviewPage(props: {
  session: ConsoleSession;
  item: ReviewView;
  canDecide: boolean;
  /** The fields as last typed (after a refused edit), else the proposal. */
  typed?: Record<string, unknown> | undefined;
  problems?: readonly InputProblem[] | undefined;
  nextItem?: string | undefined;
  /** Who the item can be given to, when the session may reassign it. */
  assignees?: readonly { id: string; name: string; role: string }[] | undefined;
  flash: { done?: string; problem?: string };
}) {
  const { item, session } = props;
  const id = encodeURIComponent(item.id);
  const mine = item.assignee === session.principal.id;
  const open = item.state === 'open';
  const decide = props.canDecide && open && (item.assignee === null || mine);
  const problems = props.problems ?? [];
  const problemsOf = (name: string) => problems.filter((p) => fieldOf(p.pointer) === name);
  const whole = problems.filter(
    (p) => fieldOf(p.pointer) === '' || !(fieldOf(p.pointer) in item.proposal),
  );
  const values = props.typed ?? item.proposal;
  return (
    <Layout title={`Review ${item.id}`} session={session} current="/console/reviews">
      <Flash {...props.flash} />
      <dl class="cards">
        <div>
          <dt>State</dt>
          <dd>
            <span class={`state state-${item.state}`}>{item.state}</span>
          </dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>
            {item.route}/{item.step}
          </dd>
        </div>
        <div>
          <dt>Confidence</dt>
          <dd>{item.confidence === null ? '–' : item.confidence.toFixed(2)}</dd>
        </div>
        <div>
          <dt>SLA</dt>
          <dd>
            <SlaBadge sla={item.sla} />
          </dd>
        </div>
      </dl>
      <p>
        Waiting since <Time at={item.createdAt} /> for the run{' '}
        <a href={`/console/runs/${encodeURIComponent(item.run)}`}>{item.run}</a> ({item.reason}).{' '}
        {item.assignee === null
          ? 'Claimed by nobody.'
          : `Claimed by ${mine ? 'you' : item.assignee} until `}
        {item.assignee !== null && <Time at={item.claimExpiresAt} />}
        {item.decision && (
          <>
            {' '}
            Decided by {item.decision.by} at <Time at={item.decision.at} />
            {item.decision.reason ? `: ${item.decision.reason}` : ''}.
          </>
        )}
      </p>
      {props.canDecide && open && (
        <section aria-labelledby="shortcuts">
          <h2 id="shortcuts">Keyboard</h2>
          <p class="muted">
            <kbd>c</kbd> claim, <kbd>e</kbd> edit the first field, <kbd>a</kbd> approve,{' '}
            <kbd>r</kbd> reject (type the reason), <kbd>n</kbd> next item.
          </p>
          {!mine && item.assignee === null && (
            <form method="post" action={`/console/reviews/${id}/claim`}>
              <Csrf session={session} />
              <button type="submit" data-key="c" aria-keyshortcuts="c">
                Claim
              </button>
            </form>
          )}
        </section>
      )}
      {props.assignees && open && (
        <ReassignForm session={session} item={item} candidates={props.assignees} />
      )}
      <section aria-labelledby="compare">
        <h2 id="compare">What would be written</h2>
        {item.diff === undefined ? (
          <p class="muted">
            The action cannot read the target's current record; the proposal is shown as it is.
          </p>
        ) : (
          <table>
            <caption class="muted">
              {item.current === null
                ? 'The target has no record yet: every value is new.'
                : 'Fields that differ from the target\u2019s current record.'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Current in the target</th>
                <th scope="col">Proposed</th>
              </tr>
            </thead>
            <tbody>
              {item.diff.length === 0 ? (
                <tr>
                  <td colspan={3}>No difference: the write would change nothing.</td>
                </tr>
              ) : (
                item.diff.map((d) => (
                  <tr class="diff-changed">
                    <th scope="row">
                      <code>{d.pointer}</code>
                    </th>
                    <td>{show(d.current)}</td>
                    <td>{show(d.proposed)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        )}
        <div class="columns">
          <section aria-labelledby="proposal-h">
            <h3 id="proposal-h">Proposal{item.edited ? ' (edited)' : ''}</h3>
            <JsonBlock value={item.proposal} label="Proposal" />
          </section>
          <section aria-labelledby="source-h">
            <h3 id="source-h">Source data</h3>
            <JsonBlock value={item.source} label="Source data" />
          </section>
          <section aria-labelledby="current-h">
            <h3 id="current-h">Target's current record</h3>
            <JsonBlock value={item.current ?? null} label="Current record" />
          </section>
        </div>
      </section>
      {decide && (
        <section aria-labelledby="decide">
          <h2 id="decide">Edit and decide</h2>
          {whole.map((p) => (
            <p class="problem" role="alert">
              {p.pointer || 'input'} {p.message}
            </p>
          ))}
          <form method="post" action={`/console/reviews/${id}/edit`}>
            <Csrf session={session} />
            <input type="hidden" name="revision" value={String(item.revision)} />
            {Object.keys(item.proposal).map((name, index) => {
              const own = problemsOf(name);
              const fieldId = `f-${index}`;
              return (
                <p>
                  <label for={fieldId}>{name}</label>
                  <input
                    id={fieldId}
                    name={`f.${name}`}
                    value={fieldText(values[name])}
                    size={50}
                    aria-invalid={own.length > 0 ? 'true' : undefined}
                    aria-describedby={own.length > 0 ? `${fieldId}-error` : undefined}
                    data-key={index === 0 ? 'e' : undefined}
                    aria-keyshortcuts={index === 0 ? 'e' : undefined}
                  />
                  {own.length > 0 && (
                    <span class="error" id={`${fieldId}-error`}>
                      {own
                        .map((p) => `${name}${p.pointer.slice(name.length + 1)} ${p.message}`)
                        .join('; ')}
                    </span>
                  )}
                </p>
              );
            })}
            <p>
              <button type="submit" class="secondary">
                Save the edit
              </button>{' '}
              <button
                type="submit"
                formaction={`/console/reviews/${id}/approve`}
                data-key="a"
                aria-keyshortcuts="a"
              >
                Approve
              </button>
            </p>
          </form>
          <form method="post" action={`/console/reviews/${id}/reject`}>
            <Csrf session={session} />
            <input type="hidden" name="revision" value={String(item.revision)} />
            <label for="reason">Reason for rejecting</label>
            <input
              id="reason"
              name="reason"
              required
              maxlength={1000}
              size={50}
              data-key="r"
              aria-keyshortcuts="r"
            />{' '}
            <button type="submit" class="danger">
              Reject
            </button>
          </form>
        </section>
      )}
      {props.nextItem && (
        <p>
          <a
            href={`/console/reviews/${encodeURIComponent(props.nextItem)}`}
            data-key="n"
            aria-keyshortcuts="n"
          >
            Next item
          </a>
        </p>
      )}
    </Layout>
  );
}
