import { describe, expect, it } from 'vitest';
import { drift } from './drift.js';
import { soakMinutes } from './soak-minutes.js';
import { soakOptions } from './soak-options.js';

describe('soak bench options', () => {
  it('defaults to 10 minutes at 40 webhooks a second, and reads --minutes and --rate', () => {
    expect(soakOptions(['soak'])).toEqual({ minutes: 10, rate: 40 });
    expect(soakOptions(['soak', '--minutes', '2.5', '--rate=25'])).toEqual({
      minutes: 2.5,
      rate: 25,
    });
  });

  it('refuses a value that is not a positive number with a sentence naming the flag', () => {
    expect(() => soakOptions(['soak', '--minutes', 'ten'])).toThrow(
      '--minutes takes a number above 0 and at most 1440 (got "ten").',
    );
    expect(() => soakOptions(['soak', '--rate', '0'])).toThrow(/^--rate takes a number above 0/);
    expect(() => soakOptions(['soak', '--minutes'])).toThrow('(got no value)');
  });
});

describe('drift verdict', () => {
  it('is flat for noise around a level, rising for a steady climb, too short under three minutes', () => {
    expect(drift([100, 130, 90, 120, 95, 110]).verdict).toBe('flat');
    const climb = drift([100, 110, 120, 130, 140, 150]);
    expect(climb).toMatchObject({ verdict: 'rising', slopePerMinute: 10, endToStart: 1.5 });
    expect(drift([150, 140, 130, 120, 110, 100]).verdict).toBe('falling');
    expect(drift([100, undefined, 300]).verdict).toBe('too short');
  });
});

describe('soak minutes', () => {
  it('puts each latency in the minute its webhook was accepted, and each cost over the runs written in its minute', () => {
    const acceptedAt = new Map([
      ['a', 1_000],
      ['b', 59_000],
      ['c', 61_000],
    ]);
    const writtenAt = new Map([
      ['a', 1_010],
      ['b', 60_500],
      ['c', 61_030],
    ]);
    const samples = [
      { cpuSeconds: 1, blocks: 100, load: 1 },
      { cpuSeconds: 1.002, blocks: 160, load: 2 },
      { cpuSeconds: 1.003, blocks: 190, load: 3 },
    ];
    expect(soakMinutes({ startedAt: 0, acceptedAt, writtenAt, samples })).toEqual([
      {
        minute: 1,
        accepted: 2,
        written: 1,
        p50Ms: 1_500,
        p99Ms: 1_500,
        cpuUsPerRun: 2_000,
        blocksPerRun: 60,
        load: 2,
      },
      {
        minute: 2,
        accepted: 1,
        written: 2,
        p50Ms: 30,
        p99Ms: 30,
        cpuUsPerRun: 500,
        blocksPerRun: 15,
        load: 3,
      },
    ]);
  });
});
