import type { ReviewView } from '../review/review-view.js';
import type { ConsoleSession } from './console-sessions.js';
import { Csrf } from './layout.js';

/** Giving an open item to another reviewer, or taking it back (for `reviews:assign`). */
export function ReassignForm(props: {
  session: ConsoleSession;
  item: ReviewView;
  candidates: readonly { id: string; name: string; role: string }[];
}) {
  const { item } = props;
  return (
    <section aria-labelledby="reassign">
      <h2 id="reassign">Reassign</h2>
      <form method="post" action={`/console/reviews/${encodeURIComponent(item.id)}/assign`}>
        <Csrf session={props.session} />
        <label for="assignee">Give this item to</label>
        <select id="assignee" name="assignee">
          <option value="" selected={item.assignee === null}>
            Nobody (take it back)
          </option>
          {props.candidates.map((t) => (
            <option value={t.id} selected={item.assignee === t.id}>
              {t.name} ({t.role})
            </option>
          ))}
        </select>{' '}
        <button type="submit" class="secondary">
          Reassign
        </button>
      </form>
    </section>
  );
}
