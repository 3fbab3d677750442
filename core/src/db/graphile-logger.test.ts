import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/create-logger.js';
import { createGraphileLogger } from './graphile-logger.js';

function capture(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    lines,
    logger: createGraphileLogger(createLogger(level, sink)).scope({ workerId: 'w1' }),
  };
}

describe('graphile-worker log lines', () => {
  it("keeps a job's success line out of info (a line per run), and shows it at debug", () => {
    const atInfo = capture('info');
    atInfo.logger.info('Completed task 7 (run.execute, 3.10ms) with success', { success: true });
    atInfo.logger.info('Worker connected and looking for jobs...');
    atInfo.logger.warn('Failed task 8 (run.execute) with error boom', { failure: true });
    expect(atInfo.lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'Worker connected and looking for jobs...'],
      [40, 'Failed task 8 (run.execute) with error boom'],
    ]);

    const atDebug = capture('debug');
    atDebug.logger.info('Completed task 7 (run.execute, 3.10ms) with success', { success: true });
    expect(atDebug.lines).toMatchObject([
      { level: 20, msg: 'Completed task 7 (run.execute, 3.10ms) with success' },
    ]);
  });
});
