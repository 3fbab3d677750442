import { describe, expect, it } from 'vitest';
import { acme } from './__fixtures__/acme-connector.js';
import { CONTRACT_VERSION } from './contract-version.js';
import { defineConnector } from './define-connector.js';
import { field } from './field.js';
import { fieldsToJsonSchema } from './fields-to-json-schema.js';
import { buildManifest } from './manifest.js';
import { checkManifest, manifestDrift } from './manifest-check.js';

describe('buildManifest', () => {
  it('agrees with the definition it is generated from', () => {
    const manifest = buildManifest(acme);
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      id: acme.id,
      name: acme.name,
      version: acme.version,
      contract: acme.contract,
      builtWith: CONTRACT_VERSION,
    });
    expect(manifest.actions.map((a) => a.key)).toEqual(acme.actions.map((a) => a.key));
    expect(manifest.triggers.map((t) => [t.key, t.kind])).toEqual(
      acme.triggers.map((t) => [t.key, t.kind]),
    );
    expect(manifest.recordTypes.map((r) => [r.name, r.key, r.updatedAt])).toEqual([
      ['contact', 'id', 'updated_at'],
    ]);
    for (const [i, action] of acme.actions.entries()) {
      expect(manifest.actions[i]?.input).toEqual(fieldsToJsonSchema(action.input));
      expect(manifest.actions[i]?.output).toEqual(fieldsToJsonSchema(action.output));
      expect(manifest.actions[i]?.sample).toEqual(action.sample);
      expect(manifest.actions[i]?.idempotent).toBe(action.idempotent);
    }
    expect(manifest.auth).toMatchObject({
      kind: 'apiKey',
      settings: { in: 'header', name: 'X-Api-Key' },
      secrets: ['apiKey'],
    });
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });

  it('marks secret auth fields and keeps oauth2 settings', () => {
    const manifest = buildManifest(
      defineConnector({
        id: 'x',
        name: 'X',
        description: 'x',
        version: '1.0.0',
        contract: '^1.0.0',
        auth: {
          kind: 'oauth2',
          grant: 'authorizationCode',
          authorizeUrl: 'https://x.test/authorize',
          tokenUrl: 'https://x.test/token',
          scopes: ['contacts.read'],
        },
      }),
    );
    expect(manifest.auth.secrets).toEqual(['clientSecret', 'accessToken', 'refreshToken']);
    const props = manifest.auth.schema.properties as Record<string, { writeOnly?: boolean }>;
    expect(props.clientSecret?.writeOnly).toBe(true);
    expect(props.clientId?.writeOnly).toBeUndefined();
    expect(manifest.auth.settings).toEqual({
      grant: 'authorizationCode',
      authorizeUrl: 'https://x.test/authorize',
      tokenUrl: 'https://x.test/token',
      scopes: ['contacts.read'],
      clientAuth: 'body',
    });
  });
});

describe('fieldsToJsonSchema', () => {
  it('exports JSON Schema 2020-12', () => {
    const schema = fieldsToJsonSchema({
      name: field.string({ description: 'Full name', examples: ['Ann'] }),
      born: field.date({ required: false }),
      seen: field.dateTime(),
      plan: field.enum(['free', 'pro'], { default: 'free' }),
      password: field.string({ secret: true }),
      tags: field.array(field.string(), { required: false, maxItems: 5 }),
      address: field.object({ city: field.string() }, { required: false }),
    });
    expect(schema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Full name', examples: ['Ann'] },
        born: { type: 'string', format: 'date' },
        seen: { type: 'string', format: 'date-time' },
        plan: { type: 'string', enum: ['free', 'pro'], default: 'free' },
        password: { type: 'string', writeOnly: true },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
        address: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
      },
      required: ['name', 'seen', 'password'],
      additionalProperties: false,
    });
  });
});

describe('manifest checks for the registry', () => {
  it('finds no drift for a generated manifest, and points at drifted keys', () => {
    const stored = JSON.parse(JSON.stringify(buildManifest(acme)));
    expect(manifestDrift(stored, acme)).toEqual([]);
    stored.actions[0].input.required = [];
    stored.version = '9.9.9';
    expect(manifestDrift(stored, acme)).toEqual(['/version', '/actions/0/input/required/0']);
    expect(checkManifest(buildManifest(acme))).toEqual([]);
    expect(
      checkManifest({ manifestVersion: 2, id: 'X', contract: '^3.0.0' }).map((p) => p.path),
    ).toEqual([
      '/manifestVersion',
      '/id',
      '/name',
      '/description',
      '/version',
      '/contract',
      '/auth/kind',
      '/recordTypes',
      '/triggers',
      '/actions',
    ]);
  });
});
