/** One minute of a soak: what was sent and written, its latency and its cost per run. */
export interface SoakMinute {
  readonly minute: number;
  readonly accepted: number;
  readonly written: number;
  /** Acceptance (202 answer) to the committed target row, of the webhooks accepted this minute. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Junction's process CPU per run written this minute, in microseconds. */
  readonly cpuUsPerRun: number | undefined;
  /** PostgreSQL buffer pages read (memory or disk) per run written this minute. */
  readonly blocksPerRun: number | undefined;
  /** The machine's 1-minute load average at the minute's end. */
  readonly load: number;
}

/** What was sampled at each minute's end (cumulative counters). */
export interface MinuteSample {
  readonly cpuSeconds: number;
  readonly blocks: number;
  readonly load: number;
}

/**
 * Per minute since `startedAt`: latencies of the webhooks accepted in it (acceptance time to the
 * target row's `written_at`), and the deltas of the cumulative `samples` (one at the start, then
 * one a minute) over the runs written in it.
 */
export function soakMinutes(options: {
  startedAt: number;
  acceptedAt: ReadonlyMap<string, number>;
  writtenAt: ReadonlyMap<string, number>;
  samples: readonly MinuteSample[];
}): SoakMinute[] {
  const { startedAt, acceptedAt, writtenAt, samples } = options;
  const minuteOf = (at: number) => Math.floor((at - startedAt) / 60_000);
  const latencies: number[][] = [];
  const written: number[] = [];
  for (const [id, accepted] of acceptedAt) {
    const done = writtenAt.get(id);
    if (done === undefined) continue;
    const m = minuteOf(accepted);
    const list = latencies[m] ?? [];
    list.push(done - accepted);
    latencies[m] = list;
  }
  for (const done of writtenAt.values()) {
    const m = minuteOf(done);
    written[m] = (written[m] ?? 0) + 1;
  }
  const accepted: number[] = [];
  for (const at of acceptedAt.values()) accepted[minuteOf(at)] = (accepted[minuteOf(at)] ?? 0) + 1;
  return samples.slice(1).map((sample, m) => {
    const before = samples[m] as MinuteSample;
    const runs = written[m] ?? 0;
    const sorted = (latencies[m] ?? []).sort((a, b) => a - b);
    return {
      minute: m + 1,
      accepted: accepted[m] ?? 0,
      written: runs,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      cpuUsPerRun: runs
        ? Math.round(((sample.cpuSeconds - before.cpuSeconds) / runs) * 1e6)
        : undefined,
      blocksPerRun: runs
        ? Math.round(((sample.blocks - before.blocks) / runs) * 10) / 10
        : undefined,
      load: sample.load,
    };
  });
}

/** The `q` quantile of `sorted`, to a tenth of a millisecond. */
function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const value = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return Math.round(value * 10) / 10;
}
