import { describe, expect, it } from 'vitest';
import { compileExpression, validateExpression } from './compile-expression.js';
import { compileMapping, validateMapping } from './compile-mapping.js';

describe('{"omit": []}: leave this key out', () => {
  const toContact = compileMapping({
    id: { var: 'id' },
    // Absent in the event: left out (the target keeps its value); null in the event: cleared.
    phone: { var: ['phone', { omit: [] }] },
    nickname: { if: [{ var: 'nick' }, { var: 'nick' }, { omit: [] }] },
    extra: {
      object: [
        ['source', 'crm'],
        ['region', { '??': [{ var: 'region' }, { omit: [] }] }],
      ],
    },
  });

  it('drops the mapping field, or the object pair, whose value it is', () => {
    expect(toContact({ id: 1 })).toEqual({
      output: { id: 1, extra: { source: 'crm' } },
      errors: [],
    });
    const { output } = toContact({ id: 1, phone: null, nick: 'Ann', region: 'EU' });
    expect(output).toEqual({
      id: 1,
      phone: null,
      nickname: 'Ann',
      extra: { source: 'crm', region: 'EU' },
    });
    expect(Object.keys(toContact({ id: 2 }).output)).toEqual(['id', 'extra']);
  });

  it('takes no arguments, with a pointer to the mistake', () => {
    expect(validateExpression({ omit: ['x'] })).toEqual([
      { pointer: '/omit', message: '"omit" takes no arguments: write {"omit": []}' },
    ]);
    expect(validateMapping({ a: { if: [true, { omit: 1 }] } })).toEqual([
      { pointer: '/a/if/1/omit', message: '"omit" takes no arguments: write {"omit": []}' },
    ]);
  });

  it('is an empty object anywhere else', () => {
    expect(compileExpression({ omit: [] })(null)).toEqual({});
    expect(compileMapping({ list: [{ omit: [] }] })(null).output).toEqual({ list: [{}] });
  });
});
