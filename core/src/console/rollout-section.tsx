import { rolloutStages } from '../rollout/index.js';
import type { ConsoleSession } from './console-sessions.js';
import type { IntegrationPageData } from './integration-page-data.js';
import { Csrf } from './layout.js';

const stageWords: Record<string, string> = {
  off: 'off: events are refused',
  shadow: 'shadow: runs go through, writes are recorded and compared, not made',
  'review-all': 'review-all: every write waits for a reviewer',
  sampled: "sampled: a share of records' writes wait for a reviewer",
  auto: 'auto: writes are made at once',
};

/** Moving to another stage, behind a confirmation (for `config:write`). */
function StageForm(props: {
  session: ConsoleSession;
  integration: string;
  rollout: IntegrationPageData['rollout'];
}) {
  const { rollout } = props;
  return (
    <details class="confirm">
      <summary class="button">Change stage…</summary>
      <form
        method="post"
        action={`/console/integrations/${encodeURIComponent(props.integration)}/stage`}
      >
        <Csrf session={props.session} />
        <input type="hidden" name="revision" value={String(rollout.revision)} />
        <div>
          <label for="stage">New stage</label>
          <select id="stage" name="stage">
            {rolloutStages.map((s) => (
              <option value={s} selected={s === rollout.stage}>
                {stageWords[s] ?? s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="samplePercent">Share reviewed, % (sampled only)</label>
          <input
            id="samplePercent"
            name="samplePercent"
            type="number"
            min="0.01"
            max="100"
            step="any"
            value={rollout.samplePercent === null ? '' : String(rollout.samplePercent)}
          />
        </div>
        <div>
          <label for="reason">Why (kept in the history and the audit trail)</label>
          <input id="reason" name="reason" maxlength={1000} />
        </div>
        <div>
          <label for="override">Promote past unmet criteria, because (optional)</label>
          <input id="override" name="override" maxlength={1000} />
        </div>
        <p>Change the stage now? It applies to the next runs at once.</p>
        <button type="submit">Yes, change the stage</button>
      </form>
    </details>
  );
}

/** The rollout stage and, for writes a shadow run recorded, the discrepancy report's summary. */
export function RolloutSection(props: {
  session: ConsoleSession;
  integration: string;
  rollout: IntegrationPageData['rollout'];
  canWrite: boolean;
}) {
  const { report: r } = props.rollout;
  return (
    <section aria-labelledby="rollout">
      <h2 id="rollout">Rollout</h2>
      <p>
        Stage <strong>{props.rollout.stage}</strong>
        {props.rollout.samplePercent !== null ? ` (${props.rollout.samplePercent}% reviewed)` : ''}.
      </p>
      {props.canWrite && (
        <StageForm
          session={props.session}
          integration={props.integration}
          rollout={props.rollout}
        />
      )}
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
                    <td>
                      <a href={`/console/discrepancies/${encodeURIComponent(d.id)}`}>{d.kind}</a>
                    </td>
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
