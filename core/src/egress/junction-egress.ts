import { lookup } from 'node:dns/promises';
import type { EgressEndpoint, EgressRules } from '@junction/connector-kit';

/** Egress rules being filled in as Junction starts: its API port is known once it listens. */
export interface JunctionEgress {
  readonly rules: EgressRules;
  /** Adds a port Junction listens on (refused on every address of this machine). */
  addListeningPort(port: number): void;
}

async function addressesOf(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    // Unresolvable here: the name is still refused, and every local address on its port.
    return [];
  }
}

/**
 * The host, port and database a PostgreSQL URL connects to (a socket folder counts as this
 * machine; no database named means the user's own, as PostgreSQL does).
 */
function databaseEndpoint(url: string): { host: string; port: number; database: string } {
  const parsed = new URL(url);
  const hostParam = parsed.searchParams.get('host');
  const host = decodeURIComponent(parsed.hostname) || hostParam || 'localhost';
  const port = Number(parsed.port || parsed.searchParams.get('port') || 5432);
  const user = decodeURIComponent(parsed.username) || 'postgres';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  return { host: host.startsWith('/') ? 'localhost' : host, port, database };
}

/**
 * The egress rules plugin code runs under: the operator's allow and deny lists, and Junction's
 * own endpoints, which are always refused: its API port, and its database (another database on
 * the same PostgreSQL server may be reached by the postgres connector, as its own role).
 *
 * @example
 * ```ts
 * const egress = await junctionEgress({ allow: [], deny: ['10.9.0.0/16'], apiPort: 3000, databaseUrl });
 * createInProcessExecutor({ egress: egress.rules });
 * ```
 */
export async function junctionEgress(options: {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly apiPort: number;
  readonly databaseUrl: string;
}): Promise<JunctionEgress> {
  const database = databaseEndpoint(options.databaseUrl);
  const own: EgressEndpoint[] = [
    {
      label: 'database',
      port: database.port,
      addresses: await addressesOf(database.host),
      hosts: [database.host],
      postgresDatabase: database.database,
    },
  ];
  const addListeningPort = (port: number) => {
    if (port > 0 && !own.some((e) => e.label === 'API' && e.port === port)) {
      own.push({ label: 'API', port });
    }
  };
  addListeningPort(options.apiPort);
  return { rules: { allow: options.allow, deny: options.deny, own }, addListeningPort };
}
