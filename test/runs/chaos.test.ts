import { describe, expect, it } from 'vitest';
import { runChaos } from '../chaos/chaos.js';

// A much smaller `npm run chaos`: real worker processes killed with SIGKILL while webhooks
// stream in. Whatever was acknowledged is written, once, to both targets.
describe('chaos: worker processes killed with SIGKILL during a stream of events', () => {
  it('loses no acknowledged event and duplicates no insert', async () => {
    const report = await runChaos({
      events: 80,
      perSecond: 40,
      workers: 2,
      killEveryMs: 600,
      concurrency: 4,
      drainTimeoutMs: 120_000,
    });
    expect(report.kills).toBeGreaterThan(0);
    expect(report.lostRuns, JSON.stringify(report.lostRuns)).toBeUndefined();
    expect(report.insertOnly).toMatchObject({ acknowledged: 80, lost: 0, duplicated: 0 });
    expect(report.insertOnly.runs).toEqual({ succeeded: 80 });
    expect(report.deduplicating).toMatchObject({ acknowledged: 80, lost: 0 });
    expect(report.deduplicating.runs).toEqual({ succeeded: 80 });
  }, 240_000);
});
