import type { FieldSet } from '@junction/connector-kit';
import type { ConnectionView } from '../connections/connection-store.js';
import { Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { Csrf, Flash, Layout } from './layout.js';
import { fieldText } from './review-form.js';

/** The accessibility attributes of an input with a hint and a problem. */
const a11yOf = (id: string, problem: string | undefined, hint?: string) => {
  const described = [problem && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(' ');
  return {
    id,
    'aria-invalid': problem ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
  };
};

/** A form field's label, its control, hint and problem. */
function Field(props: {
  id: string;
  label: string;
  problem: string | undefined;
  hint?: string | undefined;
  children?: unknown;
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <span class="muted hint" id={`${props.id}-hint`}>
          {' '}
          {props.hint}
        </span>
      )}
      {props.problem && (
        <span class="error" id={`${props.id}-error`}>
          {' '}
          {props.problem}
        </span>
      )}
    </div>
  );
}

const secretHint = 'Leave empty to keep the stored value; a new value replaces it.';
const settingsHint = 'Changing where the connection sends its credentials needs its secrets again.';

/**
 * One connection: its settings and credentials to edit (for `config:write`). Secrets show only
 * as set or unset; a new value replaces one and is never shown again, not even after a refusal.
 */
export function ConnectionPage(props: {
  session: ConsoleSession;
  view: ConnectionView;
  fields: FieldSet;
  /** What was typed, when the page answers a refused change (never secrets). */
  typed?: { name: string; settings: string; credentials: Record<string, string> } | undefined;
  problems: Readonly<Record<string, string>>;
  canWrite: boolean;
  flash: { done?: string; problem?: string };
}) {
  const { view, session } = props;
  const typed = props.typed ?? {
    name: view.name,
    settings: JSON.stringify(view.settings, null, 2),
    credentials: Object.fromEntries(
      Object.entries(view.credentials).map(([k, v]) => [k, fieldText(v)]),
    ),
  };
  const fields = Object.entries(props.fields);
  return (
    <Layout title={`Connection ${view.name}`} session={session} current="/console/connections">
      <Flash {...props.flash} />
      <p>
        Connector <code>{view.connector}</code>, id <code>{view.id}</code>, revision {view.revision}
        , changed <Time at={view.updatedAt} />.
      </p>
      <form method="post" action={`/console/connections/${encodeURIComponent(view.id)}`}>
        <Csrf session={session} />
        <input type="hidden" name="revision" value={String(view.revision)} />
        <fieldset disabled={!props.canWrite}>
          <legend>Settings and credentials</legend>
          <Field id="name" label="Name" problem={props.problems.name}>
            <input
              {...a11yOf('name', props.problems.name)}
              name="name"
              value={typed.name}
              maxlength={200}
              required
            />
          </Field>
          {fields.map(([name, field]) =>
            field.secret ? (
              <Field
                id={`secret.${name}`}
                label={`${field.label ?? name} (secret, ${view.secrets[name] ?? 'unset'})`}
                problem={props.problems[`secret.${name}`]}
                hint={secretHint}
              >
                <input
                  {...a11yOf(`secret.${name}`, props.problems[`secret.${name}`], secretHint)}
                  name={`secret.${name}`}
                  type="password"
                  autocomplete="off"
                />
                {view.secrets[name] === 'set' && !field.required && (
                  <label class="inline">
                    <input type="checkbox" name="unset" value={name} /> Remove {name}
                  </label>
                )}
              </Field>
            ) : (
              <Field
                id={`credential.${name}`}
                label={field.label ?? name}
                problem={props.problems[`credential.${name}`]}
                hint={field.description}
              >
                <input
                  {...a11yOf(
                    `credential.${name}`,
                    props.problems[`credential.${name}`],
                    field.description,
                  )}
                  name={`credential.${name}`}
                  value={typed.credentials[name] ?? ''}
                />
              </Field>
            ),
          )}
          <Field
            id="settings"
            label="Settings (JSON object)"
            problem={props.problems.settings}
            hint={settingsHint}
          >
            <textarea
              {...a11yOf('settings', props.problems.settings, settingsHint)}
              name="settings"
              rows={8}
              cols={70}
            >
              {typed.settings}
            </textarea>
          </Field>
          {props.canWrite && <button type="submit">Save changes</button>}
        </fieldset>
      </form>
      <p>
        <a href="/console/connections">All connections</a>
      </p>
    </Layout>
  );
}
