/** Code units a sampled gram covers (every form is at least this long). */
const GRAM = 4;
/** Bits of the gram filter per gram of the forms (a false hit a sample is then ~1 in 32). */
const BITS_PER_GRAM = 32;
/** The filter's size bounds, in bits (128 B to 128 KiB). */
const MIN_BITS = 1 << 10;
const MAX_BITS = 1 << 20;

/** A hash of the {@link GRAM} code units of `text` at `at`, masked to the filter's bits. */
function gramAt(text: string, at: number, mask: number): number {
  const h =
    ((text.charCodeAt(at) * 31 + text.charCodeAt(at + 1)) * 31 + text.charCodeAt(at + 2)) * 31 +
    text.charCodeAt(at + 3);
  return h & mask;
}

/**
 * A test of whether any of `forms` (each at least 4 code units long) occurs in a text, without a
 * regular expression: a regex alternation of many long forms tries them at every position of a
 * page of records, where this looks up one hashed 4-unit gram every `shortest - 3` positions
 * (any occurrence covers one such gram whole) and compares the forms that have that gram only
 * where one is. The same answer as `new RegExp(forms.map(escape).join('|')).test(text)`. The
 * filter holds 32 bits a gram of the forms (128 B to 128 KiB: a redactor is kept per secret set),
 * built at the first search.
 *
 * @example
 * ```ts
 * const holds = createFormSearch(['s3cret-token', 'czNjcmV0LXRva2Vu']);
 * holds('{"a":"x s3cret-token y"}'); // true
 * ```
 */
export function createFormSearch(forms: readonly string[]): (text: string) => boolean {
  let shortest = Number.POSITIVE_INFINITY;
  for (const form of forms) {
    if (form.length < GRAM) throw new Error(`A form to search for has fewer than ${GRAM} units.`);
    shortest = Math.min(shortest, form.length);
  }
  if (forms.length === 0) return () => false;
  // Some sampled position falls within the first `step` units of any occurrence, at an offset
  // the index below keeps (offsets under 65,536).
  const step = Math.min(shortest - GRAM + 1, 65_536);
  const unique = [...new Set(forms)];
  let grams = 0;
  for (const form of unique) grams += form.length - GRAM + 1;
  let bits = MIN_BITS;
  while (bits < grams * BITS_PER_GRAM && bits < MAX_BITS) bits *= 2;
  const mask = bits - 1;
  // Built at the first search: a redactor made for a run that never searches costs nothing.
  let filter: Uint32Array | undefined;
  /** The forms each bucket's grams come from, and where in them: `form index * 65536 + offset`. */
  const at = new Map<number, number[]>();
  const build = () => {
    const built = new Uint32Array(bits / 32);
    unique.forEach((form, index) => {
      for (let offset = 0; offset + GRAM <= form.length && offset < 65_536; offset++) {
        const bucket = gramAt(form, offset, mask);
        built[bucket >>> 5] = (built[bucket >>> 5] as number) | (1 << (bucket & 31));
        const list = at.get(bucket);
        if (list === undefined) at.set(bucket, [index * 65_536 + offset]);
        else list.push(index * 65_536 + offset);
      }
    });
    return built;
  };
  return (text) => {
    if (text.length < shortest) return false;
    filter ??= build();
    for (let p = 0; p + GRAM <= text.length; p += step) {
      const bucket = gramAt(text, p, mask);
      if (((filter[bucket >>> 5] as number) & (1 << (bucket & 31))) === 0) continue;
      for (const entry of at.get(bucket) as number[]) {
        const offset = entry % 65_536;
        if (offset <= p && text.startsWith(unique[(entry - offset) / 65_536] as string, p - offset))
          return true;
      }
    }
    return false;
  };
}
