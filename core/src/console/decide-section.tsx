import type { RunDetail } from '../runs/run-queries.js';
import type { ConsoleSession } from './console-sessions.js';
import { ConfirmForm, Csrf } from './layout.js';

/**
 * A run in `unknown`: a step that is not safe to send twice was sent, and whether it took effect
 * is unknown. The operator checks the target, then marks the step done (with its output as the
 * target holds it) or sends it again; either way the run goes on with the steps after it.
 */
export function DecideSection(props: { session: ConsoleSession; run: RunDetail }) {
  const { run, session } = props;
  const action = `/console/runs/${encodeURIComponent(run.id)}/decide`;
  const step = run.steps.at(-1);
  return (
    <section aria-labelledby="decide">
      <h2 id="decide">Outcome unknown: decide</h2>
      <p>
        The step {step ? <code>{`${step.route}/${step.step}`}</code> : 'last sent'} was sent, and
        whether it took effect is unknown; Junction did not send it again. Check the target, then:
      </p>
      <details class="confirm">
        <summary class="button">Mark done…</summary>
        <form method="post" action={action}>
          <Csrf session={session} />
          <input type="hidden" name="decision" value="done" />
          <label for="decide-output">The step's output as the target holds it (JSON)</label>
          <textarea id="decide-output" name="output" rows={5} cols={60} required>
            {'{}'}
          </textarea>
          <p>Record the step as done with this output, and go on with the steps after it?</p>
          <button type="submit">Yes, mark done</button>
        </form>
      </details>{' '}
      <ConfirmForm
        session={session}
        action={action}
        label="Send again"
        question="Send the step once more? If it did take effect the first time, the target gets it twice."
        danger
        fields={{ decision: 'send-again' }}
      />
    </section>
  );
}
