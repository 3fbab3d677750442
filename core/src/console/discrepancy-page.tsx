import type { DiscrepancyView } from '../rollout/index.js';
import { JsonBlock, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { Csrf, Flash, Layout } from './layout.js';

/**
 * One discrepancy of a shadow run: what it would have written beside what the target holds, the
 * run that recorded it, and (for `runs:operate`) marking it explained with a reason.
 */
export function DiscrepancyPage(props: {
  session: ConsoleSession;
  d: DiscrepancyView;
  integrationName: string;
  canExplain: boolean;
  flash: { done?: string; problem?: string };
}) {
  const { d, session } = props;
  const integration = `/console/integrations/${encodeURIComponent(d.integration)}`;
  return (
    <Layout title={`Discrepancy ${d.kind}`} session={session} current="/console/integrations">
      <Flash {...props.flash} />
      <p>
        Found <Time at={d.createdAt} /> for <a href={integration}>{props.integrationName}</a>,
        recorded by the shadow run{' '}
        <a href={`/console/runs/${encodeURIComponent(d.run)}`}>{d.run}</a> at its step{' '}
        <code>{d.step}</code>
        {d.targetKey !== null && (
          <>
            , record <code>{d.targetKey}</code>
          </>
        )}
        {d.field !== null && (
          <>
            , field <code>{d.field}</code>
          </>
        )}
        .
      </p>
      <div class="columns">
        <section aria-labelledby="intended">
          <h2 id="intended">What the run would have written</h2>
          <JsonBlock value={d.intended} label="Intended" />
        </section>
        <section aria-labelledby="actual">
          <h2 id="actual">What the target holds</h2>
          <JsonBlock value={d.actual} label="In the target" />
        </section>
      </div>
      <section aria-labelledby="explanation">
        <h2 id="explanation">Explanation</h2>
        {d.explained ? (
          <p>
            Explained by {d.explained.by} <Time at={d.explained.at} />: {d.explained.reason}
          </p>
        ) : props.canExplain ? (
          <form method="post" action={`/console/discrepancies/${encodeURIComponent(d.id)}/explain`}>
            <Csrf session={session} />
            <label for="explain-reason">
              Why this difference is expected (it then counts apart from open discrepancies)
            </label>
            <textarea
              id="explain-reason"
              name="reason"
              rows={3}
              cols={70}
              maxlength={1000}
              required
            />
            <p>
              <button type="submit">Mark explained</button>
            </p>
          </form>
        ) : (
          <p>Not explained yet.</p>
        )}
      </section>
      <p>
        <a href={`${integration}#rollout`}>Back to the report</a>
      </p>
    </Layout>
  );
}
