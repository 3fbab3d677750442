/**
 * One step of a merge of two sides ordered by the same join key: a record only side A has, one
 * only side B has, or the pair that share a join key.
 */
export type Merged<A, B> =
  | { readonly kind: 'a'; readonly a: A }
  | { readonly kind: 'b'; readonly b: B }
  | { readonly kind: 'both'; readonly a: A; readonly b: B };

/** One page of a keyset read: its items and the position after the last one (absent: the end). */
export interface KeysetPage<T> {
  readonly items: readonly T[];
  readonly next?: string | undefined;
}

/**
 * The items of a keyset read, page after page, holding one page at a time: `read(undefined)`
 * answers the first page, `read(next)` the one after. An empty page without `next` ends it.
 *
 * @example
 * ```ts
 * for await (const row of keysetItems((after) => readRows(after, 500))) use(row);
 * ```
 */
export async function* keysetItems<T>(
  read: (after: string | undefined) => Promise<KeysetPage<T>>,
): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const page = await read(after);
    yield* page.items;
    if (page.next === undefined) return;
    if (page.next === after && page.items.length === 0) return;
    after = page.next;
  }
}

/** Orders join keys by their UTF-16 code units (PostgreSQL's `collate "C"` for ASCII text). */
export const codeUnitOrder = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * Merges two sides that are each ordered by a join key (the key that says which record of A
 * corresponds to which of B: a link id, a match value's hash), holding one item of each side at
 * a time. Yields `a` for an item only A has, `b` for one only B has, and `both` for a pair; equal
 * join keys repeated on a side pair in order, the surplus on one side yielded alone. A side out
 * of order is an error (the merge would otherwise report false drift).
 *
 * @example
 * ```ts
 * for await (const step of mergeSides(aRows, bRows, { joinOf: (r) => r.join })) count(step.kind);
 * ```
 */
export async function* mergeSides<A, B>(
  a: AsyncIterable<A> | Iterable<A>,
  b: AsyncIterable<B> | Iterable<B>,
  options: {
    readonly joinOfA: (item: A) => string;
    readonly joinOfB: (item: B) => string;
    readonly compare?: (x: string, y: string) => number;
  },
): AsyncGenerator<Merged<A, B>> {
  const compare = options.compare ?? codeUnitOrder;
  const left = ordered(a, options.joinOfA, compare, 'A');
  const right = ordered(b, options.joinOfB, compare, 'B');
  let x = await left.next();
  let y = await right.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && compare(x.value.join, y.value.join) < 0)) {
      yield { kind: 'a', a: (x.value as Keyed<A>).item };
      x = await left.next();
    } else if (x.done || compare(x.value.join, y.value.join) > 0) {
      yield { kind: 'b', b: y.value.item };
      y = await right.next();
    } else {
      yield { kind: 'both', a: x.value.item, b: y.value.item };
      x = await left.next();
      y = await right.next();
    }
  }
}

interface Keyed<T> {
  readonly join: string;
  readonly item: T;
}

async function* ordered<T>(
  items: AsyncIterable<T> | Iterable<T>,
  joinOf: (item: T) => string,
  compare: (x: string, y: string) => number,
  side: string,
): AsyncGenerator<Keyed<T>> {
  let last: string | undefined;
  for await (const item of items) {
    const join = joinOf(item);
    if (last !== undefined && compare(last, join) > 0)
      throw new Error(
        `Side ${side} is not in join key order: ${JSON.stringify(join)} came after ${JSON.stringify(last)}.`,
      );
    last = join;
    yield { join, item };
  }
}
