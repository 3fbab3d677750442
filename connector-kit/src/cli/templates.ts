/**
 * Values the scaffold templates are filled with.
 *
 * @example
 * ```ts
 * scaffoldFiles({ id: 'acme', title: 'Acme', kitRange: '^0.1.0', contractRange: '^1.0.0' });
 * ```
 */
export interface ScaffoldValues {
  /** Connector id, lowercase kebab-case (`acme-crm`). */
  readonly id: string;
  /** Human name (`Acme Crm`). */
  readonly title: string;
  /** Version range of @junction/connector-kit to depend on. */
  readonly kitRange: string;
  readonly contractRange: string;
}

/**
 * The package files every plugin package starts with (package.json, tsconfig.json,
 * .gitignore), shared by `init` and `from-openapi`.
 *
 * @example
 * ```ts
 * const files = packageFiles({ id: 'acme', title: 'Acme', kitRange: '^0.1.0', contractRange: '^1.0.0' });
 * ```
 */
export function packageFiles(v: ScaffoldValues): Record<string, string> {
  const pkg = {
    name: `junction-plugin-${v.id}`,
    version: '0.1.0',
    description: `Junction connector for ${v.title}.`,
    type: 'module',
    license: 'Apache-2.0',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    files: ['dist'],
    junction: { connector: './dist/index.js', contract: v.contractRange },
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'junction-kit test',
      validate: 'junction-kit validate',
      pack: 'junction-kit pack',
    },
    dependencies: { '@junction/connector-kit': v.kitRange },
    devDependencies: { '@types/node': '^20.19.0', typescript: '^6.0.3', vitest: '^4.1.12' },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      verbatimModuleSyntax: true,
      declaration: true,
      skipLibCheck: true,
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
    exclude: ['src/**/*.test.ts'],
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
  };
}

/**
 * The files `junction-kit init` writes, by relative path.
 *
 * @example
 * ```ts
 * const files = scaffoldFiles({ id: 'acme', title: 'Acme', kitRange: '^0.1.0', contractRange: '^1.0.0' });
 * ```
 */
export function scaffoldFiles(v: ScaffoldValues): Record<string, string> {
  return {
    ...packageFiles(v),
    'src/index.ts': `import { defineConnector } from '@junction/connector-kit';
import { createNote } from './actions/create-note.js';

/** The ${v.title} connector: what Junction loads from this plugin. */
export const connector = defineConnector({
  id: '${v.id}',
  name: '${v.title}',
  description: 'Connects Junction to ${v.title}.',
  version: '0.1.0',
  contract: '${v.contractRange}',
  baseUrl: 'https://api.example.com/v1',
  auth: { kind: 'apiKey', in: 'header', name: 'X-Api-Key' },
  actions: [createNote],
});

export default connector;
`,
    'src/actions/create-note.ts': `import { defineAction, field } from '@junction/connector-kit';

/** Creates a note; the idempotency key makes a retried step safe. */
export const createNote = defineAction({
  key: 'create-note',
  name: 'Create note',
  description: 'Creates a note in ${v.title}.',
  kind: 'create',
  idempotent: true,
  input: {
    title: field.string({ description: 'Title of the note', examples: ['Call Ann'] }),
    body: field.string({ required: false, description: 'Text of the note' }),
  },
  output: { id: field.string(), title: field.string() },
  sample: { id: 'note_1', title: 'Call Ann' },
  async run(ctx, input) {
    const note = await ctx.http.post<{ id: string; title: string }>(
      '/notes',
      { title: input.title, body: input.body },
      { headers: { 'idempotency-key': ctx.idempotencyKey } },
    );
    return { id: note.id, title: note.title };
  },
});
`,
    'src/index.test.ts': `import { validateConnector } from '@junction/connector-kit';
import { runActionForTest, startTestServer } from '@junction/connector-kit/testing';
import { describe, expect, it } from 'vitest';
import connector from './index.js';

describe('${v.id} connector', () => {
  it('is valid and its samples match their fields', () => {
    expect(validateConnector(connector)).toEqual([]);
  });

  it('creates a note with the API key', async () => {
    const server = await startTestServer((req) => ({
      status: 201,
      body: { id: 'note_1', title: (req.body as { title: string }).title },
    }));
    try {
      const output = await runActionForTest(connector, 'create-note', { title: 'Call Ann' }, {
        baseUrl: server.url,
        credentials: { apiKey: 'test-key' },
      });
      expect(output).toEqual({ id: 'note_1', title: 'Call Ann' });
      expect(server.requests[0]?.headers['x-api-key']).toBe('test-key');
    } finally {
      await server.close();
    }
  });
});
`,
    'README.md': `# junction-plugin-${v.id}

A Junction connector for ${v.title}, built with \`@junction/connector-kit\`.

\`\`\`sh
npm install
npm run build      # compiles src/ to dist/
npm test           # junction-kit test: runs the vitest tests
npm run validate   # junction-kit validate: lists every problem of the definition
npm run pack       # junction-kit pack: writes junction.manifest.json and the .tgz
\`\`\`

Add one action per file under \`src/actions/\` and list it in \`src/index.ts\`.
`,
  };
}
