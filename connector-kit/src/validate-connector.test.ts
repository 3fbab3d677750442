import { describe, expect, it } from 'vitest';
import { acme, createContact } from './__fixtures__/acme-connector.js';
import { defineAction } from './action.js';
import { defineConnector } from './define-connector.js';
import { field } from './field.js';
import { definePollingTrigger } from './trigger.js';
import { validateConnector } from './validate-connector.js';

describe('validateConnector', () => {
  it('accepts a complete connector', () => {
    expect(validateConnector(acme)).toEqual([]);
  });

  it('returns every problem with a JSON pointer instead of throwing on the first', () => {
    const badAction = defineAction({
      key: 'Create_Contact',
      name: 'x',
      description: 'x',
      kind: 'upsert',
      idempotent: true,
      input: { email: field.string() },
      output: { id: field.string(), when: field.date() },
      sample: { id: 'a', when: '2024-02-30' },
      run: async () => ({ id: 'a', when: '2024-01-01' }),
    });
    const poll = definePollingTrigger({
      key: 'changed',
      name: 'x',
      description: 'x',
      output: { id: field.string() },
      sample: { id: 'x' },
      poll: async () => ({ items: [], cursor: null }),
    });
    const connector = defineConnector({
      id: 'Acme CRM',
      name: 'Acme',
      description: 'x',
      version: 'one',
      contract: '^2.0.0',
      auth: { kind: 'oauth2', grant: 'authorizationCode', tokenUrl: 'https://x/token', scopes: [] },
      recordTypes: [
        { name: 'contact', fields: { id: field.string() }, key: 'uid', updatedAt: 'modified' },
      ],
      triggers: [poll, { ...poll, poll: undefined as never }],
      actions: [createContact, createContact, badAction],
    });
    const problems = validateConnector(connector);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: '/id', message: expect.stringContaining('kebab-case') },
        { path: '/version', message: expect.stringContaining('semver') },
        { path: '/contract', message: expect.stringContaining('not supported') },
        { path: '/auth/authorizeUrl', message: expect.any(String) },
        { path: '/recordTypes/0/key', message: 'key "uid" is not one of the fields' },
        { path: '/recordTypes/0/updatedAt', message: expect.any(String) },
        { path: '/triggers/1/key', message: 'duplicate key "changed"' },
        { path: '/triggers/1/poll', message: 'poll must be a function' },
        { path: '/actions/1/key', message: 'duplicate key "create-contact"' },
        { path: '/actions/2/key', message: expect.stringContaining('kebab-case') },
        { path: '/actions/2/upsertKey', message: 'an upsert action needs an upsertKey' },
        { path: '/actions/2/sample/when', message: 'sample must match format "date"' },
      ]),
    );
    expect(problems).toHaveLength(12);
  });

  it('flags samples with undeclared or missing fields', () => {
    const connector = defineConnector({
      ...acme,
      actions: [{ ...createContact, sample: { id: 'c', extra: 1 } as never }],
    });
    expect(validateConnector(connector)).toEqual([
      { path: '/actions/0/sample/plan', message: 'sample is required' },
      { path: '/actions/0/sample/extra', message: 'sample is not a declared field' },
    ]);
  });

  it("checks a slow action's detach: { afterMs } (a whole number of ms)", () => {
    const withDetach = (detach: unknown) =>
      validateConnector(
        defineConnector({ ...acme, actions: [{ ...createContact, detach: detach as never }] }),
      );
    expect(withDetach({ afterMs: 1000 })).toEqual([]);
    expect(withDetach({ afterMs: 0 })).toEqual([]);
    expect(withDetach({ afterMs: -1 })).toEqual([
      { path: '/actions/0/detach/afterMs', message: expect.stringContaining('whole number') },
    ]);
    expect(withDetach({ afterMs: '1s' })).toHaveLength(1);
    expect(withDetach(true)).toEqual([
      { path: '/actions/0/detach', message: 'detach must be { afterMs }' },
    ]);
  });
});
