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

/** Whether each member name seen is a secret's (names repeat from run to run; bounded). */
const secretNameCache = new Map<string, boolean>();

function isSecretName(key: string): boolean {
  let secret = secretNameCache.get(key);
  if (secret === undefined) {
    secret = secretNames.has(key.toLowerCase().replace(/[-_]/g, ''));
    if (secretNameCache.size >= 10_000) secretNameCache.clear();
    secretNameCache.set(key, secret);
  }
  return secret;
}

/**
 * A copy of `value` with secret-looking members and Junction API tokens replaced by
 * `[redacted]`. A safety net: callers still redact the fields their schemas mark secret.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return value.includes('jct_') ? value.replace(apiTokenPattern, REDACTED) : value;
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    copy[key] =
      member !== null && member !== undefined && isSecretName(key)
        ? REDACTED
        : redactSecrets(member, depth + 1);
  }
  return copy;
}
