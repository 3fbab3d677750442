import { JsonBlock } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { Csrf } from './layout.js';
import type { PreviewState, StepPreview } from './mapping-preview-data.js';

function Problems(props: { items: readonly { pointer: string; detail: string }[] }) {
  return (
    <ul class="error">
      {props.items.map((p) => (
        <li>
          <code>{p.pointer}</code> {p.detail}
        </li>
      ))}
    </ul>
  );
}

function StepResult(props: { s: StepPreview }) {
  const { result } = props.s;
  switch (result.kind) {
    case 'invalid':
      return <Problems items={result.problems} />;
    case 'unknown-action':
      return <p class="error">{result.detail}</p>;
    case 'over-limit':
      return (
        <>
          <p class="error">The evaluation exceeded a mapping limit.</p>
          <Problems items={result.problems} />
        </>
      );
    case 'evaluated':
      return (
        <>
          <JsonBlock value={result.output} label={`Mapped output of ${props.s.step}`} />
          {result.ok ? (
            <p class="muted">No problems: the output fits the action's input.</p>
          ) : (
            <Problems items={result.errors} />
          )}
        </>
      );
  }
}

/**
 * Mapping preview: sample data in, each step's mapped output out (with every per-field problem),
 * evaluated on the version shown; nothing is stored or sent.
 */
export function MappingPreviewSection(props: {
  session: ConsoleSession;
  action: string;
  version: number;
  preview: PreviewState;
}) {
  const { preview } = props;
  return (
    <section aria-labelledby="preview">
      <h2 id="preview">Mapping preview, version {props.version}</h2>
      <form method="post" action={props.action}>
        <Csrf session={props.session} />
        <input type="hidden" name="version" value={String(props.version)} />
        <label for="sample">Sample data (JSON: what the mappings read)</label>
        <textarea
          id="sample"
          name="data"
          rows={8}
          cols={70}
          aria-invalid={preview.problem ? 'true' : undefined}
          aria-describedby={preview.problem ? 'sample-error' : undefined}
        >
          {preview.text}
        </textarea>
        {preview.problem && (
          <p class="error" id="sample-error">
            The sample data {preview.problem}.
          </p>
        )}
        <p>
          <button type="submit">Preview the mappings</button>{' '}
          <span class="muted">Nothing is stored or sent.</span>
        </p>
      </form>
      {preview.steps?.length === 0 && <p>This version has no step with a mapping.</p>}
      {preview.steps?.map((s) => (
        <article class="step-preview" aria-label={`Step ${s.route}/${s.step}`}>
          <h3>
            {s.route} / {s.step} {s.target && <span class="muted">({s.target})</span>}
          </h3>
          <StepResult s={s} />
        </article>
      ))}
    </section>
  );
}
