import type { TestJunction } from '../support/start-junction.js';

/**
 * Destinations a connection may be pointed at to make Junction attack itself or its cloud, each
 * with the egress rule that must refuse it (test/security/egress.test.ts tries each through the
 * shipped http connector; connector-kit/src/egress-guard.test.ts tries the address forms).
 */
export const egressAttacks: readonly {
  readonly name: string;
  readonly baseUrl: (t: TestJunction) => string;
  readonly rule: string;
}[] = [
  { name: "Junction's own API (its /metrics)", baseUrl: (t) => t.url, rule: 'junction-api' },
  {
    name: "Junction's own API as localhost",
    baseUrl: (t) => t.url.replace('127.0.0.1', 'localhost'),
    rule: 'junction-api',
  },
  {
    name: "Junction's own API as a decimal address",
    baseUrl: (t) => t.url.replace('127.0.0.1', '2130706433'),
    rule: 'junction-api',
  },
  {
    name: "Junction's own API as an IPv4-mapped IPv6 address",
    baseUrl: (t) => t.url.replace('127.0.0.1', '[::ffff:127.0.0.1]'),
    rule: 'junction-api',
  },
  {
    name: "Junction's own database port over HTTP",
    baseUrl: (t) => `http://127.0.0.1:${new URL(t.database.url).port || 5432}`,
    rule: 'junction-database',
  },
  {
    name: 'the cloud metadata address',
    baseUrl: () => 'http://169.254.169.254',
    rule: 'cloud-metadata',
  },
  {
    name: 'the cloud metadata address, IPv4-mapped',
    baseUrl: () => 'http://[::ffff:a9fe:a9fe]',
    rule: 'cloud-metadata',
  },
  {
    name: 'the cloud metadata name',
    baseUrl: () => 'http://metadata.google.internal',
    rule: 'cloud-metadata',
  },
  { name: 'a link-local address', baseUrl: () => 'http://169.254.1.1:8080', rule: 'link-local' },
  { name: 'an IPv6 link-local address', baseUrl: () => 'http://[fe80::1]', rule: 'link-local' },
];
