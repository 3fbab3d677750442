/** Member names whose values never reach the audit trail, compared without case, `_` or `-`. */
const secretNames = new Set([
  'password',
  'passphrase',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'apikey',
  'apisecret',
  'authorization',
  'privatekey',
  'tokenhash',
  'cookie',
]);

/** Junction API tokens, wherever they appear in a string. */
const apiTokenPattern = /jct_[A-Za-z0-9_-]{20,}/g;

export const REDACTED = '[redacted]';

/**
 * A copy of `value` with secret-looking members and Junction API tokens replaced by
 * `[redacted]`. A safety net: callers still redact the fields their schemas mark secret.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(apiTokenPattern, REDACTED);
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    const name = key.toLowerCase().replace(/[-_]/g, '');
    copy[key] =
      secretNames.has(name) && member !== null && member !== undefined
        ? REDACTED
        : redactSecrets(member, depth + 1);
  }
  return copy;
}
