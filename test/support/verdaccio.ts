import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { type Child, repoRoot, startNode } from './child-process.js';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Verdaccio {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** An npm user config holding a publisher's token for this registry. */
  readonly npmrc: string;
  /** `npm publish <what>` to this registry (a folder or a tarball), with no lifecycle scripts. */
  publish(what: string, cwd?: string): void;
  close(): Promise<void>;
}

/**
 * A real npm registry (verdaccio) on a free loopback port, with its storage under `work`.
 * Packages under `local` scopes (`@junction/*`) are served only from what is published to it,
 * never looked up elsewhere; with `uplink`, every other package is fetched from that registry.
 */
export async function startVerdaccio(
  work: string,
  options: { readonly uplink?: string; readonly local?: readonly string[] } = {},
): Promise<Verdaccio> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = path.join(work, 'verdaccio.yaml');
  const local = (options.local ?? []).flatMap((pattern) => [
    `  '${pattern}':`,
    '    access: $all',
    '    publish: $authenticated',
  ]);
  await writeFile(
    config,
    [
      `storage: ${path.join(work, 'verdaccio-storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(work, 'htpasswd')}`,
      options.uplink
        ? `uplinks: { upstream: { url: '${options.uplink}', timeout: 60s } }`
        : 'uplinks: {}',
      'packages:',
      ...local,
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      ...(options.uplink ? ['    proxy: upstream'] : []),
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child: Child = startNode(
    [
      path.join(repoRoot, 'node_modules/verdaccio/bin/verdaccio'),
      '--config',
      config,
      '--listen',
      `127.0.0.1:${port}`,
    ],
    // What reaching the uplink needs here: the machine's extra CA certificates and proxies.
    Object.fromEntries(
      [
        'NODE_EXTRA_CA_CERTS',
        'HTTPS_PROXY',
        'https_proxy',
        'HTTP_PROXY',
        'http_proxy',
        'NO_PROXY',
        'no_proxy',
      ]
        .filter((name) => process.env[name] !== undefined)
        .map((name) => [name, process.env[name]]),
    ),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}-/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`verdaccio did not start:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const user = await fetch(`${url}-/user/org.couchdb.user:publisher`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'publisher', password: 'publisher-password-1' }),
  });
  const { token } = (await user.json()) as { token: string };
  const npmrc = path.join(work, 'publisher.npmrc');
  await writeFile(npmrc, `//127.0.0.1:${port}/:_authToken=${token}\n`);
  return {
    url,
    npmrc,
    publish(what, cwd = work) {
      execFileSync(
        'npm',
        ['publish', what, '--registry', url, '--userconfig', npmrc, '--ignore-scripts'],
        { cwd, stdio: 'pipe', env: { PATH: process.env.PATH, HOME: work } },
      );
    },
    async close() {
      child.process.kill('SIGTERM');
      await child.exited(10_000).catch(() => {});
    },
  };
}
