/** A time as people read it (UTC, to the second) inside a machine-readable <time>. */
export function Time(props: { at: string | Date | null | undefined }) {
  if (props.at === null || props.at === undefined) return <span class="muted">–</span>;
  const iso = new Date(props.at).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 19)}`}</time>;
}

/** JSON shown as it is, escaped, wrapped (never a scrolling region that a keyboard cannot reach). */
export function JsonBlock(props: { value: unknown; label: string }) {
  return <pre title={props.label}>{JSON.stringify(props.value ?? null, null, 2)}</pre>;
}

/** A query string from the members that are set. */
export function queryOf(values: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== '') query.set(name, value);
  const text = query.toString();
  return text ? `?${text}` : '';
}
