import type { RunDetail } from '../runs/run-queries.js';
import { JsonBlock, queryOf, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { DecideSection } from './decide-section.js';
import { ConfirmForm, Flash, Layout, StateBadge } from './layout.js';

/** A record link a run wrote or read: which record of the source is which of the target. */
export interface RunRecordLink {
  readonly step: string;
  readonly sourceSystem: string;
  readonly sourceId: string;
  readonly targetSystem: string;
  readonly targetId: string | null;
  readonly updatedAt: string;
}

const replayable = new Set(['dead', 'failed']);
const cancellable = new Set(['queued', 'pending', 'waiting']);

/** One run: its event, the timeline of its step attempts, its record links, its actions. */
export function RunPage(props: {
  session: ConsoleSession;
  run: RunDetail;
  integrationName: string;
  links: readonly RunRecordLink[];
  replays: readonly { id: string; state: string }[];
  canOperate: boolean;
  flash: { done?: string; problem?: string };
}) {
  const { run, session } = props;
  const id = encodeURIComponent(run.id);
  return (
    <Layout title={`Run ${run.id}`} session={session} current="/console/runs">
      <Flash {...props.flash} />
      <dl class="cards">
        <div>
          <dt>State</dt>
          <dd>
            <StateBadge state={run.state} />
          </dd>
        </div>
        <div>
          <dt>Integration</dt>
          <dd>
            <a href={`/console/integrations/${encodeURIComponent(run.integration)}`}>
              {props.integrationName}
            </a>{' '}
            <span class="muted">v{run.version}</span>
          </dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>
            {run.attempts}/{run.maxAttempts}
          </dd>
        </div>
        <div>
          <dt>Source record</dt>
          <dd>
            {run.sourceRecord === null ? (
              '–'
            ) : (
              <a
                href={`/console/runs${queryOf({ record: run.sourceRecord, integration: run.integration })}`}
              >
                {run.sourceRecord}
              </a>
            )}
          </dd>
        </div>
      </dl>
      <p>
        Created <Time at={run.createdAt} />, started <Time at={run.startedAt} />, finished{' '}
        <Time at={run.finishedAt} />
        {run.nextAttemptAt && (
          <>
            , next attempt <Time at={run.nextAttemptAt} />
          </>
        )}
        .{' '}
        {run.replayOf && (
          <>
            A replay of{' '}
            <a href={`/console/runs/${encodeURIComponent(run.replayOf)}`}>{run.replayOf}</a>.
          </>
        )}
        {props.replays.map((r) => (
          <>
            {' '}
            Replayed as <a href={`/console/runs/${encodeURIComponent(r.id)}`}>{r.id}</a> ({r.state}
            ).
          </>
        ))}
      </p>
      {props.canOperate && (replayable.has(run.state) || cancellable.has(run.state)) && (
        <section aria-labelledby="actions">
          <h2 id="actions">Actions</h2>
          {replayable.has(run.state) && props.replays.length === 0 && (
            <ConfirmForm
              session={session}
              action={`/console/runs/${id}/replay`}
              label="Replay"
              question="Replay this run: a new run for the same event, with the integration version it was bound to?"
            />
          )}{' '}
          {cancellable.has(run.state) && (
            <ConfirmForm
              session={session}
              action={`/console/runs/${id}/cancel`}
              label="Cancel run"
              question="Cancel this run? Its record moves on; nothing more is written for this event."
              danger
            />
          )}
        </section>
      )}
      {props.canOperate && run.state === 'unknown' && <DecideSection session={session} run={run} />}
      {run.lastError && (
        <section aria-labelledby="last-error">
          <h2 id="last-error">Last error</h2>
          <JsonBlock value={run.lastError} label="Last error" />
        </section>
      )}
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        {run.steps.length === 0 ? (
          <p>No step has been recorded yet.</p>
        ) : (
          <ol>
            {run.steps.map((s) => (
              <li>
                <strong>
                  {s.route} / {s.step}
                </strong>{' '}
                attempt {s.attempt} <StateBadge state={s.state} />{' '}
                <span class="muted">
                  <Time at={s.startedAt} />, {s.durationMs} ms
                </span>
                <details>
                  <summary>Input</summary>
                  <JsonBlock value={s.input} label={`Input of ${s.step}, attempt ${s.attempt}`} />
                </details>
                <details>
                  <summary>Output</summary>
                  <JsonBlock value={s.output} label={`Output of ${s.step}, attempt ${s.attempt}`} />
                </details>
                {s.error && (
                  <details open>
                    <summary>Error</summary>
                    <JsonBlock value={s.error} label={`Error of ${s.step}, attempt ${s.attempt}`} />
                  </details>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="links">
        <h2 id="links">Record links</h2>
        {props.links.length === 0 ? (
          <p>This run's record has no links yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Source</th>
                <th scope="col">Target</th>
                <th scope="col">Updated (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {props.links.map((l) => (
                <tr>
                  <td>{l.step}</td>
                  <td>
                    {l.sourceSystem}: {l.sourceId}
                  </td>
                  <td>
                    {l.targetSystem}: {l.targetId ?? '–'}
                  </td>
                  <td>
                    <Time at={l.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="event">
        <h2 id="event">Event</h2>
        <p>
          Received <Time at={run.event.receivedAt} />, dedupe key <code>{run.event.dedupeKey}</code>
          .
        </p>
        <JsonBlock value={run.event.data} label="Event data" />
        <p>
          <a
            href={`/console/integrations/${encodeURIComponent(run.integration)}${queryOf({ version: String(run.version), sample: run.id })}#preview`}
          >
            Preview the mappings on this event
          </a>
        </p>
      </section>
    </Layout>
  );
}
