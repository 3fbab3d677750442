import { field } from '@junction/connector-kit';

/**
 * A list of name/value pairs (query parameters, headers).
 *
 * @example
 * ```ts
 * input: { query: nameValueList('Query parameters') }
 * ```
 */
export function nameValueList(label: string) {
  return field.array(
    field.object({ name: field.string({ minLength: 1 }), value: field.string() }),
    { required: false, label, maxItems: 100 },
  );
}

/**
 * Turns name/value pairs into a record (a later pair with the same name wins).
 *
 * @example
 * ```ts
 * toRecord([{ name: 'page', value: '2' }]); // { page: '2' }
 * ```
 */
export function toRecord(
  pairs: readonly { readonly name: string; readonly value: string }[] | undefined,
): Record<string, string> {
  return Object.fromEntries((pairs ?? []).map((p) => [p.name, p.value]));
}
