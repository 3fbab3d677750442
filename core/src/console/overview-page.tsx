import { roleHasPermission } from '../auth/permissions.js';
import { runStates } from '../runs/run-view.js';
import type { ConsoleSession } from './console-sessions.js';
import { Layout, StateBadge } from './layout.js';
import type { OverviewFigures } from './overview-figures.js';

/** The overview: the system's figures, runs by state, and every integration's line. */
export function OverviewPage(props: { session: ConsoleSession; figures: OverviewFigures }) {
  const { figures: f, session } = props;
  const reviews = roleHasPermission(session.principal.role, 'reviews:read');
  return (
    <Layout title="Overview" session={session} current="/console">
      <section aria-labelledby="now">
        <h2 id="now">Now</h2>
        <dl class="cards">
          <div>
            <dt>Dead runs</dt>
            <dd>
              <a href="/console/runs?state=dead">{f.dead}</a>
            </dd>
          </div>
          <div>
            <dt>Waiting runs</dt>
            <dd>
              <a href="/console/runs?state=waiting">{f.waiting}</a>
            </dd>
          </div>
          {reviews && (
            <div>
              <dt>Open review items</dt>
              <dd>
                <a href="/console/reviews">{f.openReviews}</a>
              </dd>
            </div>
          )}
          <div>
            <dt>Queue depth (jobs due)</dt>
            <dd>{f.queueDepth}</dd>
          </div>
          <div>
            <dt>Workers alive</dt>
            <dd>{f.workersAlive}</dd>
          </div>
        </dl>
      </section>
      <section aria-labelledby="by-state">
        <h2 id="by-state">Runs by state</h2>
        <table>
          <caption class="muted">Runs created in the last hour and the last day.</caption>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Last hour</th>
              <th scope="col">Last day</th>
            </tr>
          </thead>
          <tbody>
            {runStates.map((s) => (
              <tr>
                <th scope="row">
                  <StateBadge state={s} />
                </th>
                <td>{f.lastHour[s] ?? 0}</td>
                <td>{f.lastDay[s] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="integrations">
        <h2 id="integrations">Integrations</h2>
        {f.integrations.length === 0 ? (
          <p>No integrations yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Integration</th>
                <th scope="col">State</th>
                <th scope="col">Stage</th>
                <th scope="col">Version</th>
                <th scope="col">Runs, last hour</th>
                <th scope="col">Runs, last day</th>
                <th scope="col">Dead</th>
                <th scope="col">Waiting</th>
              </tr>
            </thead>
            <tbody>
              {f.integrations.map((i) => (
                <tr>
                  <th scope="row">
                    <a href={`/console/integrations/${encodeURIComponent(i.id)}`}>{i.name}</a>
                  </th>
                  <td>
                    <StateBadge state={i.enabled ? 'enabled' : 'disabled'} />
                  </td>
                  <td>{i.stage}</td>
                  <td>{i.version}</td>
                  <td>
                    <a href={`/console/runs?integration=${encodeURIComponent(i.id)}`}>
                      {i.lastHour}
                    </a>
                  </td>
                  <td>{i.lastDay}</td>
                  <td>
                    <a
                      href={`/console/runs?integration=${encodeURIComponent(i.id)}&state=dead`}
                      aria-label={`${i.dead} dead runs of ${i.name}`}
                    >
                      {i.dead}
                    </a>
                  </td>
                  <td>{i.waiting}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}
