import { field, ledgerFields } from '@junction/connector-kit';

/**
 * The fields of a MySQL or MariaDB connection: either a connection string, or host, port, user,
 * password and database. `password` and `connectionString` are secrets.
 *
 * @example
 * ```ts
 * const credentials = { host: 'db.internal', port: 3306, user: 'sync', password: 'pw', database: 'shop' };
 * ```
 */
export const connectionFields = {
  connectionString: field.string({
    required: false,
    secret: true,
    label: 'Connection string',
    description:
      'mysql://user:password@host:3306/database; when given, host, port, user, password and database are not used.',
    examples: ['mysql://sync:secret@db.internal:3306/shop'],
  }),
  host: field.string({ required: false, label: 'Host', examples: ['db.internal'] }),
  port: field.integer({
    required: false,
    label: 'Port',
    minimum: 1,
    maximum: 65535,
    default: 3306,
  }),
  user: field.string({ required: false, label: 'User', examples: ['sync'] }),
  password: field.string({ required: false, secret: true, label: 'Password' }),
  database: field.string({ required: false, label: 'Database', examples: ['shop'] }),
  ssl: field.enum(['disable', 'require', 'verify-full'], {
    required: false,
    label: 'TLS',
    description:
      '"require" encrypts without checking the certificate; "verify-full" also checks it against the system CAs.',
    default: 'disable',
  }),
  ...ledgerFields,
} as const;
