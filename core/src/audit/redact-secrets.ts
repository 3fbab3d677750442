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
 * Whether {@link redactSecrets} would change nothing in `value` and it is plain data (arrays,
 * plain objects, dates, primitives), which is then written as it is: an audit entry of a page
 * of records names thousands of keys, and copying them all only to find no secret is garbage.
 */
function clean(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return !value.includes('jct_');
  if (value === null || typeof value !== 'object' || depth > 64 || value instanceof Date)
    return true;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) if (!clean(value[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== null && member !== undefined && isSecretName(key)) return false;
    if (!clean(member, depth + 1)) return false;
  }
  return true;
}

/**
 * `value` with secret-looking members and Junction API tokens replaced by `[redacted]`: a copy,
 * or `value` itself when it is plain data that holds none. A safety net: callers still redact
 * the fields their schemas mark secret.
 */
export function redactSecrets(value: unknown): unknown {
  return clean(value, 0) ? value : redactedCopy(value, 0);
}

function redactedCopy(value: unknown, depth: number): unknown {
  if (typeof value === 'string')
    return value.includes('jct_') ? value.replace(apiTokenPattern, REDACTED) : value;
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => redactedCopy(item, depth + 1));
  if (value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    copy[key] =
      member !== null && member !== undefined && isSecretName(key)
        ? REDACTED
        : redactedCopy(member, depth + 1);
  }
  return copy;
}
