/** The least-squares line through one figure per minute, and what it says of drift. */
export interface Drift {
  /** Change per minute of the fitted line. */
  readonly slopePerMinute: number;
  /** The fitted value at the last minute over the fitted value at the first. */
  readonly endToStart: number;
  readonly verdict: 'flat' | 'rising' | 'falling' | 'too short';
}

/**
 * Fits a line to `values` (one a minute, minutes with no figure left out) and calls it `rising`
 * when the fitted last minute is more than `tolerance` (a fraction) above the fitted first one,
 * `falling` when as much below, `flat` otherwise. Fewer than three figures are too short to say.
 */
export function drift(values: readonly (number | undefined)[], tolerance = 0.25): Drift {
  const points = values.flatMap((y, x) =>
    y === undefined || !Number.isFinite(y) ? [] : [{ x, y }],
  );
  if (points.length < 3) return { slopePerMinute: 0, endToStart: 1, verdict: 'too short' };
  const n = points.length;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  const slope = sxy / sxx;
  const first = (points[0] as { x: number }).x;
  const last = (points[n - 1] as { x: number }).x;
  const at = (x: number) => meanY + slope * (x - meanX);
  const start = at(first);
  const endToStart = start > 0 ? at(last) / start : Number.POSITIVE_INFINITY;
  const verdict =
    endToStart > 1 + tolerance ? 'rising' : endToStart < 1 - tolerance ? 'falling' : 'flat';
  return {
    slopePerMinute: Math.round(slope * 1000) / 1000,
    endToStart: Math.round(endToStart * 100) / 100,
    verdict,
  };
}
