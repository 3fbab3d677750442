import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/**
 * One of Junction's own endpoints, which plugin code may never reach: its API port, its database.
 * With no `addresses`, the port is refused on every address of this machine.
 *
 * @example
 * ```ts
 * const database: EgressEndpoint = { label: 'database', port: 5432, addresses: ['10.0.0.7'], hosts: ['db.internal'] };
 * ```
 */
export interface EgressEndpoint {
  /** What it is, named in refusals: `API`, `database`. */
  readonly label: string;
  readonly port: number;
  /** The addresses its host resolved to; a local one stands for every address of this machine. */
  readonly addresses?: readonly string[];
  /** Its host names, refused before they are resolved. */
  readonly hosts?: readonly string[];
  /**
   * For a PostgreSQL server: the one database on it that is refused. A PostgreSQL connection that
   * says it opens another database there (`EgressTarget.postgresDatabase`) may pass; anything
   * else to its port is refused.
   */
  readonly postgresDatabase?: string;
}

/**
 * Where plugin code may connect: plain data, so it crosses a process boundary as it is. Always
 * refused, whatever the lists say: Junction's own endpoints (`own`), link-local addresses
 * (169.254.0.0/16, fe80::/10) and cloud metadata endpoints (169.254.169.254, fd00:ec2::254,
 * 100.100.100.200, metadata.google.internal...). Then an entry of `deny` refuses; then, when
 * `allow` has entries, a destination must match one. Entries are CIDRs (`10.0.0.0/8`, `fd00::/8`),
 * addresses, or host patterns (`erp.internal`, `*.corp.example`), matched against the host name
 * asked for; address entries match the address actually connected to.
 *
 * @example
 * ```ts
 * const rules: EgressRules = { deny: ['10.9.0.0/16'], allow: [], own: [{ label: 'API', port: 3000 }] };
 * ```
 */
export interface EgressRules {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
  readonly own?: readonly EgressEndpoint[];
}

/**
 * One connection to check: the host name asked for (when one was), the address, the port.
 *
 * @example
 * ```ts
 * checkEgress(rules, { host: 'erp.internal', address: '10.0.0.5', port: 443 });
 * ```
 */
export interface EgressTarget {
  readonly host?: string;
  readonly address?: string;
  readonly port: number;
  /** The database a PostgreSQL connection opens, as its driver was configured. */
  readonly postgresDatabase?: string;
}

/**
 * Why a connection is refused: the rule (named as an operator would find it) and a sentence.
 *
 * @example
 * ```ts
 * // { rule: 'link-local', reason: '169.254.169.254 is a link-local address (169.254.0.0/16, fe80::/10)' }
 * ```
 */
export interface EgressRefusal {
  readonly rule: string;
  readonly reason: string;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Entry =
  | { readonly kind: 'range'; readonly text: string; readonly range: [Address, number] }
  | { readonly kind: 'host'; readonly text: string; readonly pattern: string };

const HOST_PATTERN =
  /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
]);
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192'];
const LINK_LOCAL = ['169.254.0.0/16', 'fe80::/10'];

/**
 * An address as one canonical form: IPv4-mapped IPv6 (`::ffff:127.0.0.1`) becomes IPv4, a zone
 * (`%eth0`) is dropped, and decimal, octal and hexadecimal IPv4 forms (`2130706433`, `0177.1`,
 * `0x7f.0.0.1`) become dotted quads. `undefined` when `text` is not an address.
 *
 * @example
 * ```ts
 * normaliseAddress('::ffff:a9fe:a9fe'); // '169.254.169.254'
 * ```
 */
export function normaliseAddress(text: string): string | undefined {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare).toString();
}

function parseAddress(text: string): Address | undefined {
  const normal = normaliseAddress(text);
  return normal === undefined ? undefined : ipaddr.parse(normal);
}

function normaliseHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

/**
 * Parses one allow or deny entry, or says why it is not one.
 *
 * @example
 * ```ts
 * parseEgressEntry('10.0.0.0/8'); // { ok: true }
 * parseEgressEntry('10.0.0.0/99'); // { ok: false, problem: '...' }
 * ```
 */
export function parseEgressEntry(
  text: string,
): { readonly ok: true; readonly entry: Entry } | { readonly ok: false; readonly problem: string } {
  const trimmed = text.trim();
  if (trimmed.includes('/')) {
    const [base = '', bits = ''] = trimmed.split('/');
    const address = parseAddress(base);
    const size = Number(bits);
    const max = address?.kind() === 'ipv4' ? 32 : 128;
    if (address === undefined || !/^\d+$/.test(bits) || size > max) {
      return { ok: false, problem: `"${trimmed}" is not a CIDR range (like 10.0.0.0/8)` };
    }
    return { ok: true, entry: { kind: 'range', text: trimmed, range: [address, size] } };
  }
  const address = parseAddress(trimmed);
  if (address !== undefined) {
    const bits = address.kind() === 'ipv4' ? 32 : 128;
    return { ok: true, entry: { kind: 'range', text: trimmed, range: [address, bits] } };
  }
  const pattern = normaliseHost(trimmed);
  if (!HOST_PATTERN.test(pattern)) {
    return {
      ok: false,
      problem: `"${trimmed}" is neither a CIDR range, an address nor a host pattern (like erp.internal or *.corp.example)`,
    };
  }
  return { ok: true, entry: { kind: 'host', text: trimmed, pattern } };
}

/**
 * Splits a comma- or space-separated list (as `JUNCTION_EGRESS_ALLOW` holds) into entries, with
 * a sentence for each one that is not valid.
 *
 * @example
 * ```ts
 * parseEgressList('10.0.0.0/8, *.corp.example'); // { entries: ['10.0.0.0/8', '*.corp.example'], problems: [] }
 * ```
 */
export function parseEgressList(text: string | undefined): {
  readonly entries: readonly string[];
  readonly problems: readonly string[];
} {
  const entries = (text ?? '').split(/[\s,]+/).filter((part) => part !== '');
  const problems: string[] = [];
  for (const entry of entries) {
    const parsed = parseEgressEntry(entry);
    if (!parsed.ok) problems.push(parsed.problem);
  }
  return { entries, problems };
}

function compile(list: readonly string[] | undefined): Entry[] {
  return (list ?? []).flatMap((text) => {
    const parsed = parseEgressEntry(text);
    return parsed.ok ? [parsed.entry] : [];
  });
}

function inRange(address: Address, range: [Address, number]): boolean {
  return address.kind() === range[0].kind() && address.match(range);
}

function matches(entry: Entry, host: string | undefined, address: Address | undefined): boolean {
  if (entry.kind === 'range') return address !== undefined && inRange(address, entry.range);
  if (host === undefined) return false;
  if (entry.pattern.startsWith('*.')) return host.endsWith(entry.pattern.slice(1));
  return host === entry.pattern;
}

let localCache: { readonly at: number; readonly addresses: ReadonlySet<string> } | undefined;

/** The addresses of this machine's interfaces (read again every few seconds). */
function localAddresses(): ReadonlySet<string> {
  if (localCache === undefined || Date.now() - localCache.at > 5_000) {
    const found = new Set<string>();
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) {
        const normal = normaliseAddress(info.address);
        if (normal !== undefined) found.add(normal);
      }
    }
    localCache = { at: Date.now(), addresses: found };
  }
  return localCache.addresses;
}

function isLocal(address: Address): boolean {
  const range = address.range();
  return (
    range === 'loopback' || range === 'unspecified' || localAddresses().has(address.toString())
  );
}

function ownEndpoint(
  endpoint: EgressEndpoint,
  host: string | undefined,
  address: Address | undefined,
  target: EgressTarget,
): boolean {
  if (endpoint.port !== target.port) return false;
  if (
    endpoint.postgresDatabase !== undefined &&
    target.postgresDatabase !== undefined &&
    target.postgresDatabase !== endpoint.postgresDatabase
  ) {
    return false;
  }
  if (host !== undefined && endpoint.hosts?.some((h) => normaliseHost(h) === host)) return true;
  if (address === undefined) return false;
  const addresses = (endpoint.addresses ?? []).flatMap((a) => parseAddress(a) ?? []);
  if (addresses.length === 0 || addresses.some(isLocal)) return isLocal(address);
  return addresses.some((a) => a.toString() === address.toString());
}

/**
 * A checker for `rules`: returns why a connection is refused, or `undefined` when it may go.
 * Call it with the host name alone before resolving it (name rules), then with each address it
 * resolved to; the address connected to must be one that was checked.
 *
 * @example
 * ```ts
 * const check = createEgressCheck({ own: [{ label: 'API', port: 3000 }] });
 * check({ address: '127.0.0.1', port: 3000 }); // { rule: 'junction-api', reason: ... }
 * ```
 */
export function createEgressCheck(
  rules: EgressRules,
): (target: EgressTarget) => EgressRefusal | undefined {
  const allow = compile(rules.allow);
  const deny = compile(rules.deny);
  const metadata = METADATA_ADDRESSES.map((a) => ipaddr.parse(a).toString());
  const linkLocal = LINK_LOCAL.map((cidr) => ipaddr.parseCIDR(cidr));
  return (target) => {
    const host = target.host === undefined ? undefined : normaliseHost(target.host);
    const parsed = target.address === undefined ? undefined : parseAddress(target.address);
    const where = [host, parsed?.toString()].filter((s) => s !== undefined).join(' at ');
    const what = `${where || 'the destination'}${target.port ? `, port ${target.port}` : ''}`;
    if ((host !== undefined && METADATA_HOSTS.has(host)) || metadata.includes(`${parsed}`)) {
      return { rule: 'cloud-metadata', reason: `${what} is a cloud metadata endpoint` };
    }
    if (parsed !== undefined && linkLocal.some((range) => inRange(parsed, range))) {
      return {
        rule: 'link-local',
        reason: `${what} is a link-local address (169.254.0.0/16, fe80::/10)`,
      };
    }
    for (const endpoint of rules.own ?? []) {
      if (ownEndpoint(endpoint, host, parsed, target)) {
        const rule = `junction-${endpoint.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
        return { rule, reason: `${what} is Junction's own ${endpoint.label}` };
      }
    }
    const denied = deny.find((entry) => matches(entry, host, parsed));
    if (denied !== undefined) {
      return {
        rule: `JUNCTION_EGRESS_DENY ${denied.text}`,
        reason: `${what} matches the deny entry "${denied.text}"`,
      };
    }
    // Allow entries are checked once the address is known: a name allowed by pattern, or the
    // address by range.
    if (allow.length > 0 && parsed !== undefined) {
      if (!allow.some((entry) => matches(entry, host, parsed))) {
        return {
          rule: 'JUNCTION_EGRESS_ALLOW',
          reason: `${what} matches no entry of the allow list (${allow.map((e) => e.text).join(', ')})`,
        };
      }
    }
    return undefined;
  };
}
