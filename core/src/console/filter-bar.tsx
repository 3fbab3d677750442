/** One filter of a list page: a choice among options, or a typed value. */
export type FilterField =
  | {
      readonly kind: 'select';
      readonly name: string;
      readonly label: string;
      readonly value: string;
      readonly options: readonly { readonly value: string; readonly label: string }[];
    }
  | {
      readonly kind: 'text' | 'datetime-local';
      readonly name: string;
      readonly label: string;
      readonly value: string;
      readonly placeholder?: string;
    };

/**
 * The filters of a list page (runs, review queue, audit trail): a GET form whose fields keep
 * what was typed, each problem beside its field (`aria-invalid`, `aria-describedby`).
 */
export function FilterBar(props: {
  action: string;
  legend: string;
  fields: readonly FilterField[];
  submit: string;
  problems?: Readonly<Record<string, string>> | undefined;
  /** Prefixes each field's id, when a page has two forms with the same names. */
  idPrefix?: string;
  /** Offers a link back to the unfiltered list. */
  clear?: boolean;
}) {
  const problems = props.problems ?? {};
  return (
    <form method="get" action={props.action}>
      <fieldset class="filters">
        <legend>{props.legend}</legend>
        {props.fields.map((f) => {
          const id = `${props.idPrefix ?? ''}${f.name}`;
          const problem = problems[f.name];
          const a11y = {
            'aria-invalid': problem ? ('true' as const) : undefined,
            'aria-describedby': problem ? `${id}-error` : undefined,
          };
          return (
            <div>
              <label for={id}>{f.label}</label>
              {f.kind === 'select' ? (
                <select id={id} name={f.name} {...a11y}>
                  {f.options.map((o) => (
                    <option value={o.value} selected={f.value === o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  name={f.name}
                  type={f.kind}
                  value={f.value}
                  maxlength={500}
                  placeholder={f.placeholder || undefined}
                  {...a11y}
                />
              )}
              {problem && (
                <span class="error" id={`${id}-error`}>
                  {problem}
                </span>
              )}
            </div>
          );
        })}
        <div>
          <button type="submit">{props.submit}</button>
          {props.clear && (
            <>
              {' '}
              <a href={props.action}>Clear</a>
            </>
          )}
        </div>
      </fieldset>
    </form>
  );
}

/** A choice among options, each a value shown as it is or a `[value, label]` pair. */
export const selectFilter = (
  name: string,
  label: string,
  value: string,
  options: readonly (string | readonly [string, string])[],
): FilterField => ({
  kind: 'select',
  name,
  label,
  value,
  options: options.map((o) =>
    typeof o === 'string' ? { value: o, label: o } : { value: o[0], label: o[1] },
  ),
});

/** The integration filter: "Any" followed by each integration. */
export const integrationFilter = (
  value: string,
  integrations: readonly { id: string; name: string }[],
): FilterField =>
  selectFilter('integration', 'Integration', value, [
    ['', 'Any'],
    ...integrations.map((i) => [i.id, i.name] as const),
  ]);

/** Links to the first and the next page of a cursor-paginated list (none when there is one page). */
export function Pager(props: {
  label: string;
  first?: { href: string; text: string } | undefined;
  next?: { href: string; text: string } | undefined;
}) {
  if (!props.first && !props.next) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      {props.first && <a href={props.first.href}>{props.first.text}</a>}
      {props.next && (
        <a href={props.next.href} rel="next">
          {props.next.text}
        </a>
      )}
    </nav>
  );
}

/**
 * The pager of a list read by id in pages (`?after=<id>`): to the first page once past it, and
 * to the page after `next` when there is one.
 */
export function AfterPager(props: {
  label: string;
  href: string;
  after: string | undefined;
  next: string | undefined;
}) {
  return (
    <Pager
      label={props.label}
      first={props.after === undefined ? undefined : { href: props.href, text: 'First page' }}
      next={
        props.next === undefined
          ? undefined
          : { href: `${props.href}?after=${encodeURIComponent(props.next)}`, text: 'Next page' }
      }
    />
  );
}
