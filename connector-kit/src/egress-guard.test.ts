import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressGuard, installEgressGuard } from './egress-guard.js';
import { createEgressCheck, normaliseAddress, parseEgressList } from './egress-rules.js';
import { EgressRefusedError, toConnectorError } from './errors.js';
import { createHttpClient } from './http-client.js';

interface Target {
  readonly server: Server;
  readonly port: number;
  readonly hits: string[];
}

/** A loopback server on `host` that counts its requests and answers `answer(path)`. */
async function serve(
  host: string,
  answer: (path: string) => { status: number; headers?: Record<string, string> } = () => ({
    status: 200,
  }),
): Promise<Target> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const { status, headers } = answer(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

let own: Target;
let other: Target;
let second: Target;

beforeAll(async () => {
  own = await serve('127.0.0.1');
  other = await serve('127.0.0.1', (path) =>
    path === '/to-own'
      ? { status: 302, headers: { location: `http://127.0.0.1:${own.port}/metrics` } }
      : path === '/to-metadata'
        ? { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }
        : { status: 200 },
  );
  second = await serve('127.0.0.2');
});
afterAll(async () => {
  for (const t of [own, other, second]) await new Promise((r) => t.server.close(r));
});

function refusedRule(thrown: unknown): string | undefined {
  const error = toConnectorError(thrown);
  return error instanceof EgressRefusedError ? error.rule : `not refused: ${error.message}`;
}

describe('address forms are normalised before any rule is applied', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['::ffff:169.254.169.254', '169.254.169.254'],
    ['::ffff:a9fe:a9fe', '169.254.169.254'],
    ['[::ffff:7f00:1]', '127.0.0.1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('%s is %s', (text, canonical) => {
    expect(normaliseAddress(text)).toBe(canonical);
  });

  it('refuses link-local and metadata in every spelling, and names the rule', () => {
    const check = createEgressCheck({});
    for (const address of ['169.254.169.254', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe']) {
      expect(check({ address, port: 80 })?.rule).toBe('cloud-metadata');
    }
    expect(check({ address: '169.254.10.1', port: 80 })?.rule).toBe('link-local');
    expect(check({ address: 'fe80::1', port: 80 })?.rule).toBe('link-local');
    expect(check({ host: 'metadata.google.internal', port: 80 })?.rule).toBe('cloud-metadata');
    expect(check({ host: 'METADATA.google.internal.', port: 80 })?.rule).toBe('cloud-metadata');
    expect(check({ address: '10.1.2.3', port: 5432 })).toBeUndefined();
    expect(check({ address: '127.0.0.1', port: 5432 })).toBeUndefined();
  });

  it('reads allow and deny lists, and says which entries are not valid', () => {
    expect(parseEgressList('10.0.0.0/8, *.corp.example fd00::/8')).toEqual({
      entries: ['10.0.0.0/8', '*.corp.example', 'fd00::/8'],
      problems: [],
    });
    expect(parseEgressList('10.0.0.0/33,http://x,erp_.internal!').problems).toEqual([
      '"10.0.0.0/33" is not a CIDR range (like 10.0.0.0/8)',
      '"http://x" is not a CIDR range (like 10.0.0.0/8)',
      '"erp_.internal!" is neither a CIDR range, an address nor a host pattern (like erp.internal or *.corp.example)',
    ]);
  });
});

describe("connections through the guard (connector-kit's HTTP client)", () => {
  const ownRules = () => ({ own: [{ label: 'API', port: own.port }] });

  it("refuses Junction's own port on every local address and spelling, before any request", async () => {
    const guard = createEgressGuard(ownRules());
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]']) {
      const http = createHttpClient({ egress: guard, retries: 0 });
      const thrown = await http.get(`http://${host}:${own.port}/metrics`).catch((e) => e);
      expect(refusedRule(thrown), host).toBe('junction-api');
      expect((thrown as Error).message).toContain("is Junction's own API");
    }
    expect(own.hits).toEqual([]);
  });

  it('allows other loopback servers by default (an ERP on the private network)', async () => {
    const http = createHttpClient({ egress: createEgressGuard(ownRules()), retries: 0 });
    await expect(http.get(`http://127.0.0.1:${other.port}/ok`)).resolves.toEqual({ ok: true });
    await expect(http.get(`http://127.0.0.2:${second.port}/ok`)).resolves.toEqual({ ok: true });
  });

  it('checks every redirect: one to Junction or to metadata is refused, not followed', async () => {
    const http = createHttpClient({ egress: createEgressGuard(ownRules()), retries: 3 });
    const before = other.hits.length;
    const toOwn = await http.get(`http://127.0.0.1:${other.port}/to-own`).catch((e) => e);
    expect(refusedRule(toOwn)).toBe('junction-api');
    expect(toConnectorError(toOwn).kind).toBe('invalidInput'); // never retried
    const toMetadata = await http.get(`http://127.0.0.1:${other.port}/to-metadata`).catch((e) => e);
    expect(refusedRule(toMetadata)).toBe('cloud-metadata');
    expect(own.hits).toEqual([]);
    // One request each: a refusal is not retried.
    expect(other.hits.length - before).toBe(2);
  });

  it('applies JUNCTION_EGRESS_DENY and JUNCTION_EGRESS_ALLOW entries to the address connected to', async () => {
    const deny = createHttpClient({
      egress: createEgressGuard({ deny: ['127.0.0.2/32'] }),
      retries: 0,
    });
    const denied = await deny.get(`http://127.0.0.2:${second.port}/`).catch((e) => e);
    expect(refusedRule(denied)).toBe('JUNCTION_EGRESS_DENY 127.0.0.2/32');
    const allow = createHttpClient({
      egress: createEgressGuard({ allow: ['127.0.0.2', '*.allowed.test'] }),
      retries: 0,
    });
    await expect(allow.get(`http://127.0.0.2:${second.port}/`)).resolves.toEqual({ ok: true });
    const outside = await allow.get(`http://127.0.0.1:${other.port}/`).catch((e) => e);
    expect(refusedRule(outside)).toBe('JUNCTION_EGRESS_ALLOW');
    expect(second.hits.filter((p) => p === '/')).toHaveLength(1);
  });

  it('connects to the address it checked: a name that changes its answer gains nothing (DNS rebinding)', async () => {
    // The first answer is an allowed server, every later one a denied address.
    let lookups = 0;
    const guard = createEgressGuard(
      { deny: ['127.0.0.2/32'], allow: [] },
      {
        resolve: async () => [{ address: ++lookups === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }],
      },
    );
    const http = createHttpClient({ egress: guard, retries: 0 });
    const before = second.hits.length;
    await expect(
      http.get(`http://rebind.test:${other.port}/first`, { headers: { connection: 'close' } }),
    ).resolves.toEqual({ ok: true });
    const rebound = await http
      .get(`http://rebind.test:${second.port}/second`, { headers: { connection: 'close' } })
      .catch((e) => e);
    expect(refusedRule(rebound)).toBe('JUNCTION_EGRESS_DENY 127.0.0.2/32');
    expect(second.hits.length).toBe(before);
  });

  it('guards a raw socket (what the database connectors use), names and addresses alike', async () => {
    const guard = createEgressGuard(ownRules());
    const tryConnect = (host: string, port: number) =>
      new Promise<string>((resolve) => {
        const socket = guard.socket();
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error) => resolve(refusedRule(error) ?? error.message));
        socket.connect(port, host);
      });
    expect(await tryConnect('2130706433', own.port)).toBe('junction-api');
    expect(await tryConnect('localhost', own.port)).toBe('junction-api');
    expect(await tryConnect('::ffff:169.254.169.254', 80)).toBe('cloud-metadata');
    expect(await tryConnect('127.0.0.1', other.port)).toBe('connected');
  });

  it('can hold a whole process to the rules (for a process that runs only plugin code)', async () => {
    const uninstall = installEgressGuard(createEgressGuard(ownRules()));
    try {
      const thrown = await fetch(`http://127.0.0.1:${own.port}/metrics`).catch((e) => e);
      expect(refusedRule(thrown)).toBe('junction-api');
      expect((await fetch(`http://127.0.0.1:${other.port}/ok`)).status).toBe(200);
    } finally {
      uninstall();
    }
    expect((await fetch(`http://127.0.0.1:${own.port}/after`)).status).toBe(200);
    expect(own.hits).toEqual(['/after']);
  });
});
