import type { ConnectionView } from '../connections/connection-store.js';
import { JsonBlock, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { Csrf, Flash, Layout } from './layout.js';

/** Connections: connector, settings, each secret only as set or unset, and a test button. */
export function ConnectionsPage(props: {
  session: ConsoleSession;
  connections: readonly ConnectionView[];
  canTest: boolean;
  flash: { done?: string; problem?: string };
}) {
  const { session } = props;
  return (
    <Layout title="Connections" session={session} current="/console/connections">
      <Flash {...props.flash} />
      <p class="muted">
        Secret values are never shown, only whether each is set. Open a connection to change its
        settings and credentials.
      </p>
      {props.connections.length === 0 ? (
        <p>No connections yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Connector</th>
              <th scope="col">Secrets</th>
              <th scope="col">Settings and other credentials</th>
              <th scope="col">Changed (UTC)</th>
              {props.canTest && <th scope="col">Test</th>}
            </tr>
          </thead>
          <tbody>
            {props.connections.map((c) => (
              <tr>
                <th scope="row">
                  <a href={`/console/connections/${encodeURIComponent(c.id)}`}>{c.name}</a>{' '}
                  <span class="muted">{c.id}</span>
                </th>
                <td>{c.connector}</td>
                <td>
                  <ul>
                    {Object.entries(c.secrets).map(([name, state]) => (
                      <li>
                        {name}:{' '}
                        <span class={`state state-${state === 'set' ? 'succeeded' : 'dead'}`}>
                          {state}
                        </span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  <details>
                    <summary>Show</summary>
                    <JsonBlock
                      value={{ settings: c.settings, credentials: c.credentials }}
                      label={`Settings of ${c.name}`}
                    />
                  </details>
                </td>
                <td>
                  <Time at={c.updatedAt} />
                </td>
                {props.canTest && (
                  <td>
                    <form
                      method="post"
                      action={`/console/connections/${encodeURIComponent(c.id)}/test`}
                    >
                      <Csrf session={session} />
                      <button type="submit" class="secondary" aria-label={`Test ${c.name}`}>
                        Test
                      </button>
                    </form>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
