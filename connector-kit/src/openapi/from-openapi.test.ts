import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKit, cliPath, runNode } from '../cli/cli-test-support.js';
import { generateConnector } from './generate-connector.js';
import { loadOpenApiDocument } from './load-openapi-document.js';
import { securityToAuth } from './security-to-auth.js';
import { listOperations } from './select-operations.js';

let work: string;
beforeAll(async () => {
  await buildKit();
  work = await mkdtemp(join(tmpdir(), 'junction-openapi-'));
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const list = (schema: object) => ({ type: 'array', items: schema });
const pet = {
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    born: { type: 'string', format: 'date' },
    status: { type: 'string', enum: ['available', 'sold'] },
    owner: { type: 'string', nullable: true },
    '+1': { type: 'integer' },
  },
};

/** A small document in the shape real ones have; `security` and paths vary per test. */
function petstore(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'Pet Store', version: '1.0.0' },
    servers: [{ url: 'https://{region}.pets.test/v1', variables: { region: { default: 'eu' } } }],
    paths: {
      '/pets': {
        get: {
          operationId: 'listPets',
          tags: ['pets'],
          parameters: [
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'X-Request-Id', in: 'header', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'ok',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { data: list(pet), next_cursor: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
        post: {
          operationId: 'createPet',
          tags: ['pets'],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } } },
          },
          responses: {
            '201': {
              description: 'created',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
            },
          },
        },
      },
      '/pets/{petId}': {
        parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }],
        delete: { operationId: 'deletePet', responses: { '204': { description: 'gone' } } },
      },
      '/owners': {
        get: {
          operationId: 'listOwners',
          parameters: [{ name: 'page', in: 'query', schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'ok',
              content: {
                'application/json': {
                  schema: list({ type: 'object', properties: { id: { type: 'string' } } }),
                },
              },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Pet: pet,
        NewPet: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1 }, tags: list({ type: 'string' }) },
        },
      },
    },
    ...extra,
  };
}

async function specFile(name: string, content: unknown): Promise<string> {
  const file = join(work, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

let documents = 0;
async function load(doc: Record<string, unknown>) {
  documents += 1;
  return loadOpenApiDocument(await specFile(`doc-${documents}.json`, doc));
}

async function generate(doc: Record<string, unknown>) {
  const document = await load(doc);
  return generateConnector(document, listOperations(document), {
    id: 'pets',
    contractRange: '^1.0.0',
  });
}

describe('from-openapi generation', () => {
  it('maps each kind of security scheme to a connector auth', async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [
        { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        { kind: 'apiKey', in: 'header', name: 'X-Api-Key' },
      ],
      [
        { type: 'apiKey', in: 'query', name: 'key' },
        { kind: 'apiKey', in: 'query', name: 'key' },
      ],
      [{ type: 'http', scheme: 'basic' }, { kind: 'basic' }],
      [{ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, { kind: 'bearer' }],
      [
        {
          type: 'oauth2',
          flows: {
            authorizationCode: {
              authorizationUrl: 'https://a.test/authorize',
              tokenUrl: 'https://a.test/token',
              scopes: { read: 'r', write: 'w' },
            },
          },
        },
        {
          kind: 'oauth2',
          grant: 'authorizationCode',
          authorizeUrl: 'https://a.test/authorize',
          tokenUrl: 'https://a.test/token',
          scopes: ['read'],
        },
      ],
      [
        {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: 'https://a.test/token', scopes: {} } },
        },
        {
          kind: 'oauth2',
          grant: 'clientCredentials',
          tokenUrl: 'https://a.test/token',
          scopes: ['read'],
        },
      ],
    ];
    for (const [scheme, auth] of cases) {
      const document = await load(
        petstore({
          security: [{ main: ['read'] }],
          components: { ...(petstore().components as object), securitySchemes: { main: scheme } },
        }),
      );
      expect(securityToAuth(document, []).auth).toEqual(auth);
    }
    const apiKey = await generate(
      petstore({
        security: [{ main: [] }],
        components: {
          ...(petstore().components as object),
          securitySchemes: { main: cases[0]?.[0], other: cases[2]?.[0] },
        },
      }),
    );
    expect(apiKey.files['src/index.ts']).toContain(
      'auth: { kind: "apiKey", in: "header", name: "X-Api-Key" }',
    );
    expect(apiKey.notes).toContain('security schemes not used: other');
    const none = await generate(petstore());
    expect(none.files['src/index.ts']).toContain('auth: { kind: "none" }');
    expect(none.notes).toContain(
      'the document declares no security scheme: auth is "none" (choose one with --auth or edit src/index.ts)',
    );
  });

  it('recognises cursor and page-number pagination and writes one action per operation', async () => {
    const result = await generate(petstore());
    expect(result.actions.map((a) => [a.key, a.pagination ?? null])).toEqual([
      ['list-pets', 'cursor'],
      ['create-pet', null],
      ['delete-pet', null],
      ['list-owners', 'page'],
    ]);
    expect(result.baseUrl).toBe('https://eu.pets.test/v1');
    const listPets = result.files['src/actions/list-pets.ts'] ?? '';
    expect(listPets).toContain('cursorPages({ param: "cursor", nextField: "next_cursor" })');
    expect(listPets).toContain('xRequestId: field.string({ required: false })');
    expect(listPets).toContain('compactHeaders({ "X-Request-Id": input.xRequestId })');
    const createPet = result.files['src/actions/create-pet.ts'] ?? '';
    expect(createPet).toContain('kind: "create"');
    expect(createPet).toContain('name: field.string({ minLength: 1 })');
    expect(createPet).toContain('owner: field.string({ required: false, nullable: true })');
    expect(createPet).toContain('born: field.date({ required: false })');
    expect(createPet).not.toContain('"+1"');
    expect(result.notes).toContain(
      'create-pet: output key "+1" is not an identifier and is left out',
    );
    expect(result.files['src/actions/delete-pet.ts']).toContain(
      ['path: `/pets/$', '{encodeURIComponent(String(input.petId))}`'].join(''),
    );
  });
});

describe('junction-kit from-openapi', () => {
  it('writes a package from a YAML document, choosing operations by id, pattern and tag', async () => {
    const yaml = `openapi: 3.1.0
info: { title: Tiny API, version: '2' }
servers: [{ url: 'https://tiny.test' }]
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-Key }
security: [{ key: [] }]
paths:
  /things:
    get:
      operationId: things/list
      tags: [things]
      responses:
        '200':
          description: ok
          headers: { Link: { schema: { type: string } } }
          content: { application/json: { schema: { type: array, items: { type: object, properties: { id: { type: [string, 'null'] } } } } } }
  /other:
    get: { operationId: other/get, responses: { '200': { description: ok } } }
`;
    const spec = await specFile('tiny.yaml', yaml);
    const out = join(work, 'tiny');
    const run = await runNode(
      [cliPath, 'from-openapi', spec, '--operations', 'tag:things', '--out', out],
      work,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 action (1 paginated), 8 files');
    const index = await readFile(join(out, 'src', 'index.ts'), 'utf8');
    expect(index).toContain('id: "tiny-api"');
    expect(index).toContain('auth: { kind: "apiKey", in: "header", name: "X-Key" }');
    expect(await readFile(join(out, 'src/actions/things-list.ts'), 'utf8')).toContain(
      'linkHeaderPages()',
    );
    const pkg = JSON.parse(await readFile(join(out, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'junction-plugin-tiny-api',
      junction: { connector: './dist/index.js' },
    });

    const patterns = await runNode(
      [
        cliPath,
        'from-openapi',
        spec,
        '-o',
        'other/*,things/list',
        '--id',
        'tiny',
        '--out',
        join(work, 'tiny2'),
      ],
      work,
    );
    expect(patterns.stdout).toContain('2 actions (1 paginated)');
  }, 60_000);

  it('refuses a bad document, unknown operations and bad options with a sentence and exit code 2, writing nothing', async () => {
    const swagger = await specFile('swagger.json', {
      swagger: '2.0',
      info: { title: 'S', version: '1' },
      paths: {},
    });
    const broken = await specFile('broken.json', '{ "openapi": "3.0.0", ');
    const invalid = await specFile('invalid.json', {
      openapi: '3.0.3',
      info: { title: 'No version' },
      paths: {},
    });
    const good = await specFile('good.json', petstore());
    const out = join(work, 'refused');
    const cases: [string[], RegExp][] = [
      [[join(work, 'missing.json')], /missing\.json does not exist\./],
      [[broken], /broken\.json cannot be read as an OpenAPI document: /],
      [[swagger], /is a Swagger 2\.0 document; from-openapi reads OpenAPI 3\.0 and 3\.1/],
      [[invalid], /invalid\.json is not a valid OpenAPI document: .*version/],
      [
        [good, '--operations', 'listPets,nope,tag:cats'],
        /has no operation matching "nope", "tag:cats"/,
      ],
      [
        [good, '--auth', 'digest'],
        /--auth "digest" is not one of none, bearer, basic, header:<Name>, query:<name>\./,
      ],
      [[good, '--id', 'Pets!'], /--id "Pets!" is not lowercase kebab-case/],
    ];
    for (const [args, message] of cases) {
      const run = await runNode([cliPath, 'from-openapi', ...args, '--out', out], work);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    }
  }, 60_000);
});
