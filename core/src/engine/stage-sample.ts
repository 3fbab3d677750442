import { createHash } from 'node:crypto';

/**
 * Whether a record is inside a sampled rollout's share: the first 32 bits of
 * MD5(`<integration id>:<record key>`) read as a fraction of 2^32, below `percent`/100. The same
 * record always gets the same answer, so all its events are treated alike, and raising the
 * percentage only adds records to the sample. `stageSampleSql` is the same test in SQL (the
 * ingestion statement decides it there).
 *
 * @example
 * ```ts
 * inStageSample('int_1', 'order-42', 10); // true for about one record in ten
 * ```
 */
export function inStageSample(integrationId: string, recordKey: string, percent: number): boolean {
  const head = createHash('md5').update(`${integrationId}:${recordKey}`).digest().readUInt32BE(0);
  return head < (percent / 100) * 2 ** 32;
}

/** `inStageSample` as a SQL expression over the given SQL expressions. */
export function stageSampleSql(integrationId: string, recordKey: string, percent: string): string {
  return `(('x' || substr(md5(${integrationId} || ':' || ${recordKey}), 1, 8))::bit(32)::bigint
           < ${percent} / 100.0 * 4294967296)`;
}
