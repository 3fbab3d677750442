import { Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { ConfirmForm, Csrf, Flash, Layout, StateBadge } from './layout.js';

/** One version of a plugin as the page shows it (the API's PluginVersion). */
export interface PluginVersionLine {
  readonly id: string;
  readonly version: string;
  readonly source: { readonly kind: string };
  readonly enabled: boolean;
  readonly trusted: boolean;
  readonly isolation: 'trusted' | 'isolated';
  readonly status: 'loaded' | 'failed';
  readonly error: { readonly message: string } | null;
  readonly loadedHere: boolean;
  readonly installedBy: string;
  readonly installedAt: string | null;
}

export interface PluginLine {
  readonly id: string;
  readonly builtin: boolean;
  readonly versions: readonly PluginVersionLine[];
}

/** Where a version's code runs, in words. */
function Isolation(props: { v: PluginVersionLine; builtin: boolean }) {
  const { v } = props;
  if (v.isolation === 'isolated')
    return (
      <span>
        <span class="badge badge-ok">isolated</span> in plugin hosts
        {v.trusted ? ' (trusted, but every plugin is isolated here)' : ', not trusted'}
      </span>
    );
  return (
    <span>
      <span class="badge">in-process</span>{' '}
      {props.builtin ? 'built in' : v.trusted ? 'trusted' : 'isolation is off here'}
    </span>
  );
}

/** The actions an admin has on an installed version, each behind a confirmation. */
function VersionActions(props: { session: ConsoleSession; v: PluginVersionLine }) {
  const { v, session } = props;
  const base = `/console/plugins/${encodeURIComponent(v.id)}/versions/${encodeURIComponent(v.version)}`;
  const name = `${v.id}@${v.version}`;
  return (
    <>
      <ConfirmForm
        session={session}
        action={`${base}/${v.enabled ? 'disable' : 'enable'}`}
        label={v.enabled ? `Disable ${name}` : `Enable ${name}`}
        question={
          v.enabled
            ? `Disable ${name}? Steps that use it fail until it is enabled again; it stays installed.`
            : `Enable ${name}? Every Junction process loads it within seconds.`
        }
        danger={v.enabled}
      />{' '}
      <ConfirmForm
        session={session}
        action={`${base}/${v.trusted ? 'distrust' : 'trust'}`}
        label={v.trusted ? `Distrust ${name}` : `Trust ${name}`}
        question={
          v.trusted
            ? `Stop trusting ${name}? Its code runs in plugin hosts again, with no access to Junction's keys or database.`
            : `Trust ${name}? Its code then runs in Junction's own process with Junction's rights (its database, keys and network). Trust only code you have read.`
        }
        danger={!v.trusted}
      />
    </>
  );
}

/** Plugins: every plugin and version, where each runs; for admins install, enable, trust. */
export function PluginsPage(props: {
  session: ConsoleSession;
  plugins: readonly PluginLine[];
  canManage: boolean;
  uploadLimitBytes: number;
  flash: { done?: string; problem?: string };
  problems?: readonly string[] | undefined;
}) {
  const { session } = props;
  return (
    <Layout title="Plugins" session={session} current="/console/plugins">
      <Flash {...props.flash} />
      {props.problems && props.problems.length > 0 && (
        <ul class="problem">
          {props.problems.map((p) => (
            <li>{p}</li>
          ))}
        </ul>
      )}
      {props.canManage && (
        <section aria-labelledby="install">
          <h2 id="install">Install from a .tgz</h2>
          <form
            method="post"
            action="/console/plugins/upload"
            enctype="multipart/form-data"
            class="stack"
          >
            <Csrf session={session} />
            <div>
              <label for="tarball">
                Plugin package (.tgz, at most {props.uploadLimitBytes} bytes)
              </label>
              <input
                id="tarball"
                name="tarball"
                type="file"
                accept=".tgz,application/gzip"
                required
              />
            </div>
            <div>
              <label for="integrity">Integrity (optional, sha512-…)</label>
              <input id="integrity" name="integrity" maxlength={200} />
            </div>
            <p class="muted">
              The package is verified in a plugin host before anything is recorded; it then runs
              isolated until you trust it.
            </p>
            <button type="submit">Install</button>
          </form>
        </section>
      )}
      <section aria-labelledby="installed">
        <h2 id="installed">Installed</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Plugin</th>
              <th scope="col">Version</th>
              <th scope="col">Enabled</th>
              <th scope="col">Runs</th>
              <th scope="col">Status</th>
              <th scope="col">Installed (UTC)</th>
              {props.canManage && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {props.plugins.flatMap((p) =>
              p.versions.map((v) => (
                <tr id={`plugin-${v.id}-${v.version}`}>
                  <th scope="row">
                    {v.id} {p.builtin && <span class="muted">(built in)</span>}
                  </th>
                  <td>{v.version}</td>
                  <td>
                    <StateBadge state={v.enabled ? 'enabled' : 'disabled'} />
                  </td>
                  <td>
                    <Isolation v={v} builtin={p.builtin} />
                  </td>
                  <td>
                    <StateBadge state={v.status === 'failed' ? 'failed' : 'loaded'} />
                    {v.error && <span class="error"> {v.error.message}</span>}
                  </td>
                  <td>
                    <Time at={v.installedAt} /> <span class="muted">by {v.installedBy}</span>
                  </td>
                  {props.canManage && (
                    <td>{p.builtin ? '' : <VersionActions session={session} v={v} />}</td>
                  )}
                </tr>
              )),
            )}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
