import type { Logger } from '../log/create-logger.js';
import type { BulkSide } from './bulk-side.js';

/**
 * The number of records of each of `sides`, from the record types' `count` where offered
 * (contract 1.13), as the `total_a`/`total_b` of a backfill or reconciliation: known from its
 * start, for its progress. A side that cannot count is left out (its total is known once it is
 * listed); a count that fails is logged (with `about`) and left out the same way.
 */
export async function countSides(
  logger: Logger,
  sides: readonly BulkSide[],
  about: Readonly<Record<string, string>>,
): Promise<{ total_a?: string; total_b?: string }> {
  const totals: { total_a?: string; total_b?: string } = {};
  for (const side of sides) {
    try {
      const n = await side.records.count();
      if (n !== undefined) totals[`total_${side.name}`] = String(n);
    } catch (error) {
      logger.warn(
        { ...about, side: side.name, error: (error as Error).message },
        'could not count the records of a side; its total comes once the side is listed',
      );
    }
  }
  return totals;
}
