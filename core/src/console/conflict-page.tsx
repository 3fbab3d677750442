import type { ConflictView } from '../sync/sync-conflicts.js';
import type { SideName } from '../sync/sync-definition.js';
import { type ConflictField, fieldName, presetSide } from './conflict-fields.js';
import { JsonBlock, queryOf, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { Csrf, Flash, Layout, StateBadge } from './layout.js';

const show = (value: unknown) => (value === undefined ? '–' : JSON.stringify(value));
const upper = (side: SideName) => side.toUpperCase();

/** Where a parked conflict is in the console. */
export const conflictHref = (syncId: string, conflictId: string) =>
  `/console/syncs/${encodeURIComponent(syncId)}/conflicts/${encodeURIComponent(conflictId)}`;

/** One value of a field: marked (in words too) when it differs from the base. */
function Value(props: { field: ConflictField; side: SideName }) {
  const changed = props.field.changed.includes(props.side);
  return (
    <td class={changed ? 'diff-changed' : undefined}>
      {show(props.field.values[props.side])}
      {changed && <span class="muted"> (changed)</span>}
    </td>
  );
}

/**
 * A conflict the sync parked: the base and both sides' values field by field, in one side's
 * shape (the other side's record mapped into it); resolve by taking A or B as they are now, or
 * by choosing each field's side (a merged record written to that side, then mapped across).
 */
export function ConflictPage(props: {
  session: ConsoleSession;
  sync: { id: string; name: string };
  conflict: ConflictView;
  shape: SideName;
  fields: readonly ConflictField[];
  canResolve: boolean;
  /** The choices as last sent (after a refusal), by pointer. */
  chosen?: Readonly<Record<string, unknown>> | undefined;
  flash: { done?: string | undefined; problem?: string | undefined };
}) {
  const { conflict: c, shape, sync } = props;
  const other: SideName = shape === 'a' ? 'b' : 'a';
  const here = conflictHref(sync.id, c.id);
  const open = c.state === 'open' && props.canResolve;
  const checked = (field: ConflictField, side: SideName) =>
    props.chosen
      ? props.chosen[`field:${field.pointer}`] === side
      : presetSide(field, shape) === side;
  const table = (
    <table>
      <caption class="muted">
        Values at the time the conflict was parked; a changed value differs from the base.
      </caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Base</th>
          <th scope="col">A</th>
          <th scope="col">B</th>
          {open && <th scope="col">Keep</th>}
        </tr>
      </thead>
      <tbody>
        {props.fields.map((field) => (
          <tr>
            <th scope="row">
              <code>{fieldName(field.pointer)}</code>
            </th>
            <td>{show(field.base)}</td>
            <Value field={field} side="a" />
            <Value field={field} side="b" />
            {open && (
              <td>
                {(['a', 'b'] as const).map((side) => (
                  <label class="inline">
                    <input
                      type="radio"
                      name={`field:${field.pointer}`}
                      value={side}
                      required
                      checked={checked(field, side)}
                      aria-label={`${fieldName(field.pointer)}: keep ${upper(side)}`}
                    />{' '}
                    {upper(side)}{' '}
                  </label>
                ))}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <Layout title={`Conflict on ${sync.name}`} session={props.session} current="/console/syncs">
      <p>
        <a href={`/console/syncs/${encodeURIComponent(sync.id)}`}>Back to the sync {sync.name}</a>
      </p>
      <Flash {...props.flash} />
      <p>
        <StateBadge state={c.state} /> A record {c.aKey ?? '–'}, B record {c.bKey ?? '–'}: both
        changed since they last agreed; parked <Time at={c.createdAt} />.
        {c.state === 'resolved' && (
          <>
            {' '}
            Resolved by {c.resolvedBy} at <Time at={c.resolvedAt} />:{' '}
            <code>{JSON.stringify(c.resolution)}</code>.
          </>
        )}
      </p>
      <section aria-labelledby="fields">
        <h2 id="fields">Field by field, in side {upper(shape)}'s shape</h2>
        <p class="muted">
          {upper(other)}'s values are its record as the sync maps it to {upper(shape)}; the base is
          what both sides last agreed on.{' '}
          <a href={`${here}${queryOf({ shape: other })}`}>Show it in side {upper(other)}'s shape</a>
        </p>
        {open ? (
          <form method="post" action={`${here}/resolve`}>
            <Csrf session={props.session} />
            <input type="hidden" name="shape" value={shape} />
            {table}
            <p>
              <button type="submit" name="choice" value="fields">
                Resolve with the chosen fields
              </button>{' '}
              <span class="muted">
                written to {upper(shape)}, then mapped to {upper(other)}
              </span>
            </p>
          </form>
        ) : (
          table
        )}
        {open && (
          <form method="post" action={`${here}/resolve`}>
            <Csrf session={props.session} />
            <p>
              Or take one side's record as it is now, written to the other:{' '}
              <button type="submit" name="choice" value="a" class="secondary">
                Take A
              </button>{' '}
              <button type="submit" name="choice" value="b" class="secondary">
                Take B
              </button>
            </p>
          </form>
        )}
      </section>
      <details>
        <summary>Both records and the base, as stored</summary>
        <JsonBlock value={{ a: c.a, b: c.b, base: c.base }} label={`Conflict ${c.id}`} />
      </details>
    </Layout>
  );
}
