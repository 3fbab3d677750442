import { Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { AfterPager } from './filter-bar.js';
import { ConfirmForm, Csrf, Flash, Layout, StateBadge } from './layout.js';
import type { WaitingLink } from './sync-links-data.js';

/** Where a sync's links that wait for a person are listed in the console. */
export const waitingLinksHref = (syncId: string) =>
  `/console/syncs/${encodeURIComponent(syncId)}/links`;

/** The side a link most likely needs a record of: the one its note says is gone, or lacks one. */
function likelySide(link: WaitingLink): 'a' | 'b' {
  const named = /\bon (a|b)\b/.exec(link.note ?? '')?.[1];
  if (named === 'a' || named === 'b') return named;
  return link.aKey === null ? 'a' : link.bKey === null ? 'b' : 'a';
}

/** The three ways to settle one link, for `config:write`: relink a side, clear, unlink. */
function Settle(props: { session: ConsoleSession; syncId: string; link: WaitingLink }) {
  const base = `${waitingLinksHref(props.syncId)}/${encodeURIComponent(props.link.id)}`;
  const id = `relink-${props.link.id}`;
  return (
    <div class="pager">
      <form method="post" action={`${base}/relink`}>
        <Csrf session={props.session} />
        <label class="inline" for={`${id}-side`}>
          Relink side
        </label>{' '}
        <select id={`${id}-side`} name="side">
          <option value="a">A</option>
          <option value="b" selected={likelySide(props.link) === 'b'}>
            B
          </option>
        </select>{' '}
        <label class="inline" for={`${id}-key`}>
          to the record
        </label>{' '}
        <input id={`${id}-key`} name="key" required maxlength={500} size={12} />{' '}
        <button type="submit" class="secondary">
          Relink
        </button>
      </form>
      <ConfirmForm
        session={props.session}
        action={`${base}/clear`}
        label="Clear"
        question="Take both records as they are now, and sync this link again?"
      />
      <ConfirmForm
        session={props.session}
        action={`${base}/unlink`}
        label="Unlink"
        question="Remove this link? The next backfill or change of either record treats them as new."
        danger
      />
    </div>
  );
}

/**
 * A sync's links that wait for a person (flagged: deleted on a side under the `flag` policy, or a
 * create whose outcome is unknown; archived), page by page, each settled here as
 * `/v1/syncs/{id}/links/{link}/relink|clear` and `DELETE` do.
 */
export function SyncLinksPage(props: {
  session: ConsoleSession;
  sync: { id: string; name: string };
  page: { links: readonly WaitingLink[]; next: string | undefined; after: string | undefined };
  canSettle: boolean;
  flash: { done?: string; problem?: string };
}) {
  const { sync, page } = props;
  const here = waitingLinksHref(sync.id);
  return (
    <Layout
      title={`Links of ${sync.name} waiting for a person`}
      session={props.session}
      current="/console/syncs"
    >
      <p>
        <a href={`/console/syncs/${encodeURIComponent(sync.id)}`}>Back to the sync {sync.name}</a>
      </p>
      <Flash {...props.flash} />
      {page.links.length === 0 ? (
        <p>{page.after === undefined ? 'No link waits for a person.' : 'No more links.'}</p>
      ) : (
        <table>
          <caption class="muted">Flagged and archived links, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Link</th>
              <th scope="col">State</th>
              <th scope="col">A record</th>
              <th scope="col">B record</th>
              <th scope="col">Why</th>
              <th scope="col">Since (UTC)</th>
              {props.canSettle && <th scope="col">Settle</th>}
            </tr>
          </thead>
          <tbody>
            {page.links.map((link) => (
              <tr>
                <th scope="row">{link.id}</th>
                <td>
                  <StateBadge state={link.state} />
                </td>
                <td>{link.aKey ?? '–'}</td>
                <td>{link.bKey ?? '–'}</td>
                <td>{link.note ?? ''}</td>
                <td>
                  <Time at={link.updatedAt} />
                </td>
                {props.canSettle && (
                  <td>
                    <Settle session={props.session} syncId={sync.id} link={link} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AfterPager label="Pages of links" href={here} after={page.after} next={page.next} />
    </Layout>
  );
}
