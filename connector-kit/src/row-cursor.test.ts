import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { formatRowCursor, parseRowCursor } from './row-cursor.js';

describe('row cursors', () => {
  it('reads back what it wrote, for the same table', () => {
    const cursor = { table: 'public.contacts', updatedAt: '2026-11-28 10:00:00.123+00', key: '42' };
    expect(parseRowCursor(formatRowCursor(cursor), 'public.contacts')).toEqual(cursor);
  });

  it('starts from the beginning on the first poll and when the table changed', () => {
    expect(parseRowCursor(null, 'public.contacts')).toBeNull();
    const other = formatRowCursor({ table: 'public.people', updatedAt: 'x', key: '1' });
    expect(parseRowCursor(other, 'public.contacts')).toBeNull();
  });

  it('refuses a cursor it did not write, naming it', () => {
    for (const bad of ['not json', '{}', '{"table":"t","updatedAt":1,"key":"1"}', 'null']) {
      const read = () => parseRowCursor(bad, 't');
      expect(read).toThrow(InvalidInputError);
      expect(read).toThrow('The stored cursor is not a cursor this trigger wrote.');
    }
  });
});
