import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/create-logger.js';
import { createGraphileLogger, type GraphileLoggerOptions } from './graphile-logger.js';

function capture(level: 'info' | 'debug', options: GraphileLoggerOptions = {}) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    lines,
    logger: createGraphileLogger(createLogger(level, sink), options).scope({ workerId: 'w1' }),
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

  it("keeps the local queue's release slip out of error during Junction's graceful shutdown only", () => {
    const slip = new Error('Cannot background something when the queue is already released');
    const carried = new AggregateError([slip], 'Errors occurred whilst deactivating queue');
    const other = new AggregateError([slip, new Error('boom')], 'Errors occurred');
    let stopping = false;
    let slips = 0;
    const { lines, logger } = capture('info', {
      stopping: () => stopping,
      onReleaseSlip: () => {
        slips += 1;
      },
    });
    logger.error('Releasing local queue failed', { error: slip }); // not stopping: an error
    stopping = true;
    logger.error('Releasing local queue failed', { error: slip });
    logger.error('Deactivation failed', { error: carried });
    logger.error('Error occurred during graceful shutdown', { error: other });
    logger.error('Failed to fail jobs', { error: new Error('connection refused') });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'Releasing local queue failed'],
      [50, 'Error occurred during graceful shutdown'],
      [50, 'Failed to fail jobs'],
    ]);
    expect(slips).toBe(2);
  });
});
