import { roles } from '../auth/principal.js';
import { Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { ConfirmForm, Csrf, Flash, Layout } from './layout.js';

export interface TokenLine {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly integrations: readonly string[] | null;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** API tokens (admins only): the list, a form to make one (shown once), revoke. */
export function TokensPage(props: {
  session: ConsoleSession;
  tokens: readonly TokenLine[];
  made?: { name: string; token: string } | undefined;
  problems?: Readonly<Record<string, string>> | undefined;
  typed?: { name: string; role: string; integrations: string } | undefined;
  flash: { done?: string; problem?: string };
}) {
  const { session } = props;
  const problems = props.problems ?? {};
  const typed = props.typed ?? { name: '', role: 'viewer', integrations: '' };
  const invalid = (name: string) =>
    problems[name]
      ? { 'aria-invalid': 'true' as const, 'aria-describedby': `t-${name}-error` }
      : {};
  const error = (name: string) =>
    problems[name] && (
      <span class="error" id={`t-${name}-error`}>
        {problems[name]}
      </span>
    );
  return (
    <Layout title="API tokens" session={session} current="/console/tokens">
      <Flash {...props.flash} />
      {props.made && (
        <section class="notice" aria-labelledby="made">
          <h2 id="made">Token "{props.made.name}" made</h2>
          <p>Copy it now: it is shown this once, and only its hash is kept.</p>
          <p>
            <label for="made-token">The new token</label>
            <input id="made-token" value={props.made.token} readonly size={60} />
          </p>
        </section>
      )}
      <section aria-labelledby="new">
        <h2 id="new">Make a token</h2>
        <form method="post" action="/console/tokens">
          <Csrf session={session} />
          <fieldset class="filters">
            <legend>New token</legend>
            <div>
              <label for="t-name">Name</label>
              <input
                id="t-name"
                name="name"
                value={typed.name}
                required
                maxlength={200}
                {...invalid('name')}
              />
              {error('name')}
            </div>
            <div>
              <label for="t-role">Role</label>
              <select id="t-role" name="role" {...invalid('role')}>
                {roles.map((r) => (
                  <option value={r} selected={typed.role === r}>
                    {r}
                  </option>
                ))}
              </select>
              {error('role')}
            </div>
            <div>
              <label for="t-integrations">Integrations (reviewers; ids, comma-separated)</label>
              <input
                id="t-integrations"
                name="integrations"
                value={typed.integrations}
                size={40}
                {...invalid('integrations')}
              />
              {error('integrations')}
            </div>
            <div>
              <button type="submit">Make the token</button>
            </div>
          </fieldset>
        </form>
      </section>
      <section aria-labelledby="list">
        <h2 id="list">Tokens</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Limited to</th>
              <th scope="col">Made (UTC)</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((t) => (
              <tr>
                <th scope="row">
                  {t.name} <span class="muted">{t.id}</span>
                </th>
                <td>{t.role}</td>
                <td>{t.integrations === null ? 'all' : t.integrations.join(', ')}</td>
                <td>
                  <Time at={t.createdAt} /> <span class="muted">by {t.createdBy ?? '–'}</span>
                </td>
                <td>
                  <Time at={t.lastUsedAt} />
                </td>
                <td>
                  {t.revokedAt ? (
                    <>
                      revoked <Time at={t.revokedAt} />
                    </>
                  ) : (
                    <ConfirmForm
                      session={session}
                      action={`/console/tokens/${encodeURIComponent(t.id)}/revoke`}
                      label="Revoke"
                      question={`Revoke "${t.name}"? Every request and console session using it stops at once.`}
                      danger
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
