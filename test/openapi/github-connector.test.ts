import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dereference } from '@readme/openapi-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { repoRoot } from '../support/child-process.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

// GitHub's published REST description (the @octokit/openapi package), not a toy document.
const SPEC = path.join(repoRoot, 'node_modules/@octokit/openapi/generated/api.github.com.json');
const OPERATIONS = [
  'issues/create',
  'issues/get',
  'issues/update',
  'issues/list-for-repo',
  'repos/get',
  'reactions/delete-for-issue',
  'search/issues-and-pull-requests',
];
const TOKEN = 'ghp_loopback_token';
const kit = path.join(repoRoot, 'connector-kit/dist/cli/main.js');
const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');

interface Call {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
function node(args: string[], cwd: string, timeout = 120_000): Promise<Call> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

type Operation = OpenAPIV3.OperationObject & { readonly method: string; readonly path: string };

/** The example the description gives for an operation's success response, and its status. */
function exampleAnswer(op: Operation): { status: number; body?: unknown } {
  const status = Object.keys(op.responses).find((s) => /^2\d\d$/.test(s)) ?? '200';
  const media = (op.responses[status] as OpenAPIV3.ResponseObject).content?.['application/json'];
  if (!media) return { status: Number(status) };
  const examples = Object.values(media.examples ?? {}) as OpenAPIV3.ExampleObject[];
  let body = media.example ?? examples[0]?.value;
  // Some of GitHub's examples point their `value` at a whole Example Object: take its value.
  const wrapped = (v: unknown): v is { value: unknown } =>
    typeof v === 'object' &&
    v !== null &&
    'value' in v &&
    Object.keys(v).every(
      (k) => ['summary', 'description', 'value'].includes(k) || k.startsWith('x-'),
    );
  if (wrapped(body)) body = body.value;
  return { status: Number(status), body };
}

/**
 * A loopback GitHub that answers each chosen operation per the description: the path must match
 * one of its templates, the bearer token must be there, a request body must carry the schema's
 * required properties, and the answer is the description's own example (lists page once through
 * a `Link` header).
 */
async function startLoopbackGitHub(operations: Operation[]) {
  const seen: Seen[] = [];
  const routes = operations.map((op) => ({
    op,
    pattern: new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => resolve(text));
    });
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const text = await read(req);
    const body = text === '' ? undefined : JSON.parse(text);
    seen.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
    });
    const route = routes.find(
      (r) => r.op.method.toUpperCase() === req.method && r.pattern.test(url.pathname),
    );
    const answer = (status: number, value?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(value === undefined ? undefined : JSON.stringify(value));
    };
    if (!route) return answer(404, { message: 'Not Found' });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return answer(401, { message: 'Requires authentication' });
    }
    const schema = (route.op.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content[
      'application/json'
    ]?.schema as OpenAPIV3.SchemaObject | undefined;
    const missing = (schema?.required ?? []).filter((name) => body?.[name] === undefined);
    if (missing.length > 0) return answer(422, { message: `missing ${missing.join(', ')}` });
    const { status, body: example } = exampleAnswer(route.op);
    const link: Record<string, string> =
      Array.isArray(example) && url.searchParams.get('page') !== '2'
        ? { link: `<http://${req.headers.host}${url.pathname}?page=2>; rel="next"` }
        : {};
    return answer(status, example, link);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let work: string;
let pluginDir: string;
let tarball: string;
let operations: Operation[];
let github: Awaited<ReturnType<typeof startLoopbackGitHub>>;
let t: TestJunction;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'junction-openapi-github-'));
  pluginDir = path.join(work, 'github');
  const document = (await dereference(SPEC, {
    dereference: { circular: 'ignore' },
  })) as OpenAPIV3.Document;
  operations = Object.entries(document.paths).flatMap(([p, item]) =>
    (['get', 'post', 'patch', 'put', 'delete'] as const)
      .filter((m) => OPERATIONS.includes(item?.[m]?.operationId ?? ''))
      .map((m) => ({ ...(item?.[m] as OpenAPIV3.OperationObject), method: m, path: p })),
  );
  github = await startLoopbackGitHub(operations);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await github?.close();
  await rm(work, { recursive: true, force: true });
});

describe("a connector generated from GitHub's REST description", () => {
  it('is generated, builds, validates and packs', async () => {
    const generated = await node(
      [
        kit,
        'from-openapi',
        SPEC,
        '--operations',
        OPERATIONS.join(','),
        '--id',
        'github',
        '--auth',
        'bearer',
        '--out',
        pluginDir,
      ],
      work,
    );
    expect(generated.stderr).toBe('');
    expect(generated.stdout).toMatch(/7 actions \(2 paginated\), 14 files/);
    // What `npm install` gives the package, offline: the kit and the compiler.
    await mkdir(path.join(pluginDir, 'node_modules', '@junction'), { recursive: true });
    await mkdir(path.join(pluginDir, 'node_modules', '@types'), { recursive: true });
    await symlink(
      path.join(repoRoot, 'connector-kit'),
      path.join(pluginDir, 'node_modules', '@junction', 'connector-kit'),
    );
    await symlink(
      path.join(repoRoot, 'node_modules', '@types', 'node'),
      path.join(pluginDir, 'node_modules', '@types', 'node'),
    );
    const build = await node([tsc, '-p', 'tsconfig.build.json'], pluginDir);
    expect(build.stdout + build.stderr).toBe('');
    const validate = await node([kit, 'validate'], pluginDir);
    expect(validate.stdout.trim()).toBe('github@0.1.0 is valid.');
    const packed = await node([kit, 'pack', '--no-build'], pluginDir);
    expect(packed.code, packed.stderr).toBe(0);
    tarball = packed.stdout.trim().split('\n')[0] ?? '';
    expect(tarball).toBe(path.join(pluginDir, 'junction-plugin-github-0.1.0.tgz'));
    const action = await readFile(path.join(pluginDir, 'src/actions/issues-create.ts'), 'utf8');
    expect(action).toContain('export const issuesCreate = defineAction({');
    expect(action).toContain('owner: field.string(');
  }, 240_000);

  it('installs into a running Junction and its actions call the API as the description says', async () => {
    expect(tarball, 'the first test packs the plugin').toBeTruthy();
    t = await startTestJunction({
      JUNCTION_DATA_DIR: work,
      JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
    });
    const api = apiOf(t);
    const uploaded = await t.request('/v1/plugins/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/gzip' },
      body: await readFile(tarball),
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const connector = await api.get('/v1/connectors/github');
    expect(connector.status).toBe(200);

    const githubConnection = await api.post('/v1/connections', {
      name: 'GitHub (loopback)',
      connector: 'github',
      credentials: { token: TOKEN },
      settings: { baseUrl: github.url },
    });
    expect(githubConnection.status, JSON.stringify(githubConnection.body)).toBe(201);
    const hookConnection = await api.post('/v1/connections', {
      name: 'Tickets',
      connector: 'http',
      credentials: { authKind: 'none', webhookSecret: 'unused-secret' },
    });
    expect(hookConnection.status, JSON.stringify(hookConnection.body)).toBe(201);
    const step = (key: string, action: string, mapping: Record<string, unknown>) => ({
      kind: 'action',
      key,
      connector: 'github',
      connection: githubConnection.body.id,
      action,
      mapping,
    });
    const repo = { owner: { var: 'event.body.owner' }, repo: { var: 'event.body.repo' } };
    const created = await api.post('/v1/integrations', {
      name: 'Tickets to GitHub issues',
      trigger: {
        connector: 'http',
        trigger: 'webhook-received',
        connection: hookConnection.body.id,
        settings: { signatureScheme: 'none', dedupePath: 'id' },
      },
      routes: [
        {
          key: 'all',
          steps: [
            step('repo', 'repos-get', repo),
            step('issue', 'issues-create', {
              ...repo,
              title: { var: 'event.body.title' },
              body: { var: 'event.body.text' },
              labels: { var: 'event.body.labels' },
            }),
            step('read', 'issues-get', { ...repo, issue_number: { var: 'steps.issue.number' } }),
            step('close', 'issues-update', {
              ...repo,
              issue_number: { var: 'steps.issue.number' },
              state: 'closed',
            }),
            step('list', 'issues-list-for-repo', { ...repo, state: 'all', maxPages: 2 }),
            step('unreact', 'reactions-delete-for-issue', {
              ...repo,
              issue_number: { var: 'steps.issue.number' },
              reaction_id: 7,
            }),
          ],
        },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const enabled = await api.post(`/v1/integrations/${created.body.id}/enable`, undefined, {
      'if-match': created.headers.get('etag') as string,
    });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);

    const delivered = await t.request(created.body.webhookPath, {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'ticket-1',
        owner: 'octocat',
        repo: 'Hello-World',
        title: 'Found a bug',
        text: 'It breaks.',
        labels: ['bug'],
      }),
    });
    expect(delivered.status).toBe(202);
    const run = await until(async () => {
      const list = await api.get(`/v1/runs?integration=${created.body.id}`);
      const found = list.body.data?.[0];
      return found && ['succeeded', 'dead', 'failed'].includes(found.state) ? found : undefined;
    }, 30_000);
    const detail = await api.get(`/v1/runs/${run.id}`);
    expect(run.state, JSON.stringify(detail.body)).toBe('succeeded');

    const outputs = Object.fromEntries(
      (detail.body.steps as { step: string; output: unknown }[]).map((s) => [s.step, s.output]),
    );
    const issueExample = exampleAnswer(
      operations.find((o) => o.operationId === 'issues/create') as Operation,
    ).body as Record<string, unknown>;
    expect(outputs.issue).toMatchObject({ number: issueExample.number, title: issueExample.title });
    expect(outputs.repo).toMatchObject({ full_name: 'octocat/Hello-World' });
    expect(outputs.unreact).toEqual({});
    const listed = (outputs.list as { items: unknown[] }).items;
    const page = exampleAnswer(
      operations.find((o) => o.operationId === 'issues/list-for-repo') as Operation,
    ).body as unknown[];
    expect(listed).toHaveLength(page.length * 2);

    expect(
      github.seen.map((s) => `${s.method} ${s.path}${s.query.page ? `?page=${s.query.page}` : ''}`),
    ).toEqual([
      'GET /repos/octocat/Hello-World',
      'POST /repos/octocat/Hello-World/issues',
      `GET /repos/octocat/Hello-World/issues/${issueExample.number}`,
      `PATCH /repos/octocat/Hello-World/issues/${issueExample.number}`,
      'GET /repos/octocat/Hello-World/issues',
      'GET /repos/octocat/Hello-World/issues?page=2',
      `DELETE /repos/octocat/Hello-World/issues/${issueExample.number}/reactions/7`,
    ]);
    expect(github.seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(github.seen[1]?.body).toEqual({
      title: 'Found a bug',
      body: 'It breaks.',
      labels: ['bug'],
    });
    expect(github.seen[3]?.body).toEqual({ state: 'closed' });
    expect(github.seen[4]?.query).toEqual({ state: 'all' });
  }, 120_000);
});
