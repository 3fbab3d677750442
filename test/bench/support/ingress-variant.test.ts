import { describe, expect, it } from 'vitest';
import { readIngressVariant } from './ingress-variant.js';

describe('BENCH_INGRESS_VARIANT', () => {
  it('is absent when unset or blank', () => {
    expect(readIngressVariant(undefined)).toBeUndefined();
    expect(readIngressVariant('  ')).toBeUndefined();
  });

  it('reads a second Junction’s environment and SQL, both optional', () => {
    expect(readIngressVariant('{}')).toEqual({ env: {}, sql: undefined });
    expect(
      readIngressVariant('{"env": {"LOG_LEVEL": "warn"}, "sql": "drop index runs_replays"}'),
    ).toEqual({ env: { LOG_LEVEL: 'warn' }, sql: 'drop index runs_replays' });
  });

  it('refuses what it cannot use, in a plain sentence', () => {
    expect(() => readIngressVariant('{env}')).toThrow('BENCH_INGRESS_VARIANT is not JSON: {env}');
    expect(() => readIngressVariant('[]')).toThrow('must be a JSON object');
    expect(() => readIngressVariant('{"sqll": "x"}')).toThrow('unknown keys (sqll)');
    expect(() => readIngressVariant('{"env": {"XI": 4}}')).toThrow('env must map');
    expect(() => readIngressVariant('{"sql": 1}')).toThrow('sql must be a string');
  });
});
