/**
 * The rate (records a second since the start) and the ETA (at that rate, of what is left of
 * `total`) of a backfill or reconciliation; null where they cannot be known yet, and no ETA once
 * it has finished.
 */
export function rateAndEta(
  done: number,
  total: number | null,
  startedAt: Date | null,
  finishedAt: Date | null,
): { ratePerSecond: number | null; eta: string | null } {
  const end = finishedAt ?? new Date();
  const seconds =
    startedAt === null ? 0 : (new Date(end).getTime() - new Date(startedAt).getTime()) / 1000;
  const rate = seconds > 0 ? Math.round(done / seconds) : null;
  const eta =
    total !== null && rate !== null && rate > 0 && finishedAt === null
      ? new Date(Date.now() + (Math.max(0, total - done) / rate) * 1000).toISOString()
      : null;
  return { ratePerSecond: rate, eta };
}
