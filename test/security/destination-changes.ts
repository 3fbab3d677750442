/**
 * Connections an editor may try to point at a host of their own while keeping the stored
 * secrets, with the pointers the refusal must name and the secrets that make the move legitimate
 * (test/security/destination-binding.test.ts tries each).
 */
export const destinationChanges: readonly {
  readonly name: string;
  readonly connector: string;
  readonly credentials: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
  readonly move: { credentials?: Record<string, unknown>; settings?: Record<string, unknown> };
  readonly pointers: readonly string[];
  readonly secretsAgain: Record<string, unknown>;
}[] = [
  {
    name: "http: the base URL's host",
    connector: 'http',
    credentials: { authKind: 'bearer', token: 'stored-token-123' },
    settings: { baseUrl: 'https://erp.internal/api' },
    move: { settings: { baseUrl: 'https://attacker.example/api' } },
    pointers: ['/settings/baseUrl'],
    secretsAgain: { token: 'stored-token-123' },
  },
  {
    name: "http: the base URL's scheme (https to http)",
    connector: 'http',
    credentials: { authKind: 'basic', username: 'sync', password: 'stored-password' },
    settings: { baseUrl: 'https://erp.internal' },
    move: { settings: { baseUrl: 'http://erp.internal' } },
    pointers: ['/settings/baseUrl'],
    secretsAgain: { password: 'stored-password' },
  },
  {
    name: "http: the base URL's port",
    connector: 'http',
    credentials: { authKind: 'apiKey', apiKeyIn: 'query', apiKeyName: 'k', apiKey: 'stored-key-1' },
    settings: { baseUrl: 'https://erp.internal' },
    move: { settings: { baseUrl: 'https://erp.internal:8443' } },
    pointers: ['/settings/baseUrl'],
    secretsAgain: { apiKey: 'stored-key-1' },
  },
  {
    name: 'http: dropping the base URL (back to the connector default)',
    connector: 'http',
    credentials: { authKind: 'bearer', token: 'stored-token-123' },
    settings: { baseUrl: 'https://erp.internal' },
    move: { settings: {} },
    pointers: ['/settings/baseUrl'],
    secretsAgain: { token: 'stored-token-123' },
  },
  {
    name: 'postgres: the host',
    connector: 'postgres',
    credentials: {
      host: 'db.internal',
      port: 5432,
      user: 'sync',
      password: 'stored-pw',
      database: 'erp',
    },
    move: { credentials: { host: 'attacker.example' } },
    pointers: ['/credentials/host'],
    secretsAgain: { password: 'stored-pw' },
  },
  {
    name: 'postgres: the port',
    connector: 'postgres',
    credentials: {
      host: 'db.internal',
      port: 5432,
      user: 'sync',
      password: 'stored-pw',
      database: 'erp',
    },
    move: { credentials: { port: 6543 } },
    pointers: ['/credentials/port'],
    secretsAgain: { password: 'stored-pw' },
  },
  {
    name: 'mysql: the host, with a new port too',
    connector: 'mysql',
    credentials: {
      host: 'db.internal',
      port: 3306,
      user: 'sync',
      password: 'stored-pw',
      database: 'shop',
    },
    move: { credentials: { host: '203.0.113.9', port: 3307 } },
    pointers: ['/credentials/host', '/credentials/port'],
    secretsAgain: { password: 'stored-pw' },
  },
];
