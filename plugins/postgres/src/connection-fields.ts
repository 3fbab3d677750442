import { field, ledgerFields } from '@junction/connector-kit';
import { DEFAULT_POOL_SIZE } from './pool-registry.js';

/**
 * The fields of a PostgreSQL connection: either a connection string, or host, port, user,
 * password and database; TLS; and how many sessions Junction may open. `password` and
 * `connectionString` are secrets.
 *
 * @example
 * ```ts
 * const credentials = { host: 'db.internal', port: 5432, user: 'sync', password: 'pw', database: 'crm', ssl: 'require' };
 * ```
 */
export const connectionFields = {
  connectionString: field.string({
    required: false,
    secret: true,
    label: 'Connection string',
    description:
      'postgres://user:password@host:5432/database; when given, host, port, user, password and database are not used.',
    examples: ['postgres://sync:secret@db.internal:5432/crm'],
  }),
  host: field.string({ required: false, label: 'Host', examples: ['db.internal'] }),
  port: field.integer({
    required: false,
    label: 'Port',
    minimum: 1,
    maximum: 65535,
    default: 5432,
  }),
  user: field.string({ required: false, label: 'User', examples: ['sync'] }),
  password: field.string({ required: false, secret: true, label: 'Password' }),
  database: field.string({ required: false, label: 'Database', examples: ['crm'] }),
  ssl: field.enum(['disable', 'require', 'verify-full'], {
    required: false,
    label: 'TLS',
    description:
      '"require" encrypts without checking the certificate; "verify-full" also checks it against the system CAs.',
    default: 'disable',
  }),
  poolSize: field.integer({
    required: false,
    label: 'Pool size',
    description:
      'Most sessions one Junction process opens to this database at once; steps beyond it wait for a free session. Match it to the worker concurrency (10 by default).',
    minimum: 1,
    maximum: 100,
    default: DEFAULT_POOL_SIZE,
  }),
  ...ledgerFields,
} as const;
