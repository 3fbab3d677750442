import { describe, expect, it } from 'vitest';
import { compareRecord, sameValue } from './compare-records.js';

const write = (input: Record<string, unknown>, actual: Record<string, unknown> | null) =>
  compareRecord({ input, actual, intended: 'write', actionKind: 'upsert' });

describe('compareRecord', () => {
  it('finds nothing when the target holds what the run would have written', () => {
    expect(write({ number: 'SO-1', total: 12.5 }, { number: 'SO-1', total: 12.5 })).toEqual([]);
  });

  it('reports a missing record, an extra one, and each differing field with both values', () => {
    expect(write({ number: 'SO-1' }, null)).toEqual([
      { kind: 'missing', field: null, intended: { number: 'SO-1' }, actual: null },
    ]);
    expect(
      compareRecord({
        input: { number: 'SO-2' },
        actual: { number: 'SO-2' },
        intended: 'none',
        actionKind: 'upsert',
      }),
    ).toEqual([{ kind: 'extra', field: null, intended: null, actual: { number: 'SO-2' } }]);
    expect(
      compareRecord({
        input: { key: 'x' },
        actual: { key: 'x' },
        intended: 'write',
        actionKind: 'delete',
      }),
    ).toMatchObject([{ kind: 'extra' }]);
    expect(
      compareRecord({ input: { key: 'x' }, actual: null, intended: 'write', actionKind: 'delete' }),
    ).toEqual([]);
    expect(
      write(
        { number: 'SO-1', values: { total: 12.5, status: 'open', note: null } },
        { number: 'SO-1', values: { total: 21.5, status: 'open', note: 'x' } },
      ),
    ).toEqual([
      { kind: 'field', field: '/values/total', intended: 12.5, actual: 21.5 },
      { kind: 'field', field: '/values/note', intended: null, actual: 'x' },
    ]);
  });

  it('compares data, not text: numbers and numeric strings, instants in any offset', () => {
    expect(sameValue(12.5, '12.50')).toBe(true);
    expect(sameValue('12.50', 12.5)).toBe(true);
    expect(sameValue(12.5, '12.5x')).toBe(false);
    expect(sameValue(12.5, '')).toBe(false);
    expect(sameValue('2026-12-06T10:00:00Z', '2026-12-06T11:00:00.000+01:00')).toBe(true);
    expect(sameValue('2026-12-06T10:00:00Z', '2026-12-06T10:00:01Z')).toBe(false);
    expect(sameValue(null, undefined)).toBe(true);
    expect(sameValue('ADA', 'Ada')).toBe(false);
    expect(sameValue('Ada ', 'Ada')).toBe(false);
    expect(sameValue([1, '2'], ['1', 2])).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue(true, 'true')).toBe(false);
  });
});
