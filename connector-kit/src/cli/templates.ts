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
 * The package files every plugin package starts with (package.json with its scripts and any
 * `scripts` given, tsconfig.json, which checks tests too, tsconfig.build.json, .gitignore),
 * shared by `init` and `from-openapi`.
 *
 * @example
 * ```ts
 * const files = packageFiles({ id: 'acme', title: 'Acme', kitRange: '^0.1.0', contractRange: '^1.0.0' });
 * ```
 */
export function packageFiles(
  v: ScaffoldValues,
  scripts: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const pkg = {
    name: `junction-plugin-${v.id}`,
    version: '0.1.0',
    description: `Junction connector for ${v.title}.`,
    type: 'module',
    license: 'Apache-2.0',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    files: ['dist', 'junction.manifest.json'],
    junction: { connector: './dist/index.js', contract: v.contractRange },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json',
      test: 'tsc -p tsconfig.json && junction-kit test',
      validate: 'junction-kit validate',
      pack: 'junction-kit pack',
      ...scripts,
    },
    dependencies: { '@junction/connector-kit': v.kitRange },
    devDependencies: { '@types/node': '^20.19.0', typescript: '^6.0.3', vitest: '^4.1.12' },
  };
  // tsconfig.json checks everything, tests included (npm test, editors); the build config
  // emits the connector without its tests.
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
    },
    include: ['src'],
  };
  const buildConfig = {
    extends: './tsconfig.json',
    compilerOptions: { noEmit: false, declaration: true, rootDir: 'src', outDir: 'dist' },
    exclude: ['src/**/*.test.ts'],
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    'tsconfig.build.json': `${JSON.stringify(buildConfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n*.tgz\njunction.manifest.json\n',
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
    ...packageFiles(v, { 'stub-api': 'node stub-api.mjs' }),
    'stub-api.mjs': `// A stand-in for the ${v.title} API, to try the plugin in a running Junction without an
// account: answers POST /notes like the real API would. npm run stub-api (STUB_API_PORT, default 4010).
import { createServer } from 'node:http';

let next = 1;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/notes') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const { title } = JSON.parse(body || '{}');
    console.log(\`POST /notes \${body} (x-api-key: \${req.headers['x-api-key'] ?? 'none'})\`);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: \`note_\${next++}\`, title }));
  });
});
server.listen(Number(process.env.STUB_API_PORT ?? 4010), '127.0.0.1', () => {
  console.log(\`Stand-in ${v.title} API on http://127.0.0.1:\${server.address().port}\`);
});
`,
    'src/index.ts': `import { defineConnector, packageVersion } from '@junction/connector-kit';
import { createNote } from './actions/create-note.js';

/** The ${v.title} connector: what Junction loads from this plugin. */
export const connector = defineConnector({
  id: '${v.id}',
  name: '${v.title}',
  description: 'Connects Junction to ${v.title}.',
  // The version lives in package.json only (npm version patch changes it).
  version: packageVersion(import.meta.url),
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
npm test           # type-checks src/ and the tests, then runs the tests (vitest)
npm run build      # compiles src/ to dist/ (tsconfig.build.json, tests left out)
npm run validate   # junction-kit validate: lists every problem of the built definition
npm run pack       # junction-kit pack: rebuilds dist/ from scratch, writes junction.manifest.json and the .tgz
\`\`\`

Add one action per file under \`src/actions/\` and list it in \`src/index.ts\`. The version is
package.json's (\`npm version minor\`); the connector reads it with \`packageVersion\`. See the
authoring guide, docs/authoring.md in the Junction repository, for the whole path.
`,
  };
}
