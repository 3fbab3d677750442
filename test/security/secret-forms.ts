/**
 * The forms a credential takes when a target echoes it back, and an oracle that says whether a
 * text still gives a secret away. The oracle is written apart from connector-kit's redactor: it
 * decodes what it sees (URL and form encoding, JSON escapes, base64 at any offset, hexadecimal,
 * strings split by quotes and commas) and looks for the secret in each view.
 */

/** A credential with characters that every encoding changes. */
export const CANARY = 'cnry/Q+7x=z&k%"1\\ Lm9~canary';
export const CANARY_USER = 'ops';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');
const form = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);

/** Texts an echoing target may send back, each named. */
export function echoForms(secret: string, user = CANARY_USER): readonly [string, string][] {
  const half = Math.floor(secret.length / 2);
  return [
    ['raw', `token ${secret} refused`],
    ['bearer header', `Authorization: Bearer ${secret}`],
    ...[user, `${user}x`, `${user}xy`].map((u): [string, string] => [
      `basic auth (user ${u})`,
      `authorization: Basic ${b64(`${u}:${secret}`)}`,
    ]),
    ['URL-encoded query', `GET /items?api_key=${encodeURIComponent(secret)}&page=2`],
    [
      'lowercase percent-encoding',
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (p) => p.toLowerCase()),
    ],
    ['form-encoded body', `user=${user}&password=${form(secret)}&remember=1`],
    [
      'inside a URL',
      `could not reach https://${user}:${encodeURIComponent(secret)}@erp.internal/api`,
    ],
    [
      'JSON-escaped in a JSON text',
      JSON.stringify({ echo: { authorization: `Bearer ${secret}` } }),
    ],
    [
      'split across JSON strings',
      `{"parts": ["${JSON.stringify(secret.slice(0, half)).slice(1, -1)}", "${JSON.stringify(secret.slice(half)).slice(1, -1)}"]}`,
    ],
    ['split across a concatenation', `key = "${secret.slice(0, 7)}" + "${secret.slice(7)}"`],
    ['hexadecimal', `digest input ${Buffer.from(secret).toString('hex')}`],
    [
      'base64url inside a token',
      `eyJhbGciOiJub25lIn0.${b64url(JSON.stringify({ sub: user, key: secret }))}.`,
    ],
    ['base64 of a JSON body', b64(JSON.stringify({ password: secret }))],
  ];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%[0-9a-f]{2}/gi, (p) =>
      String.fromCharCode(Number.parseInt(p.slice(1), 16)),
    );
  }
}

/** Every view of `text` the oracle searches. */
function views(text: string): string[] {
  const out = [text, safeDecode(text), safeDecode(text.replace(/\+/g, ' '))];
  const unescaped = text.replace(/\\(["\\/])/g, '$1');
  out.push(unescaped, unescaped.replace(/["'\s,+[\]]/g, ''));
  for (const run of text.match(/[A-Za-z0-9+/_-]{6,}={0,2}/g) ?? []) {
    for (let skip = 0; skip < 4; skip++) {
      const part = run.slice(skip).replace(/-/g, '+').replace(/_/g, '/');
      out.push(Buffer.from(part, 'base64').toString('latin1'));
    }
  }
  for (const run of text.match(/(?:[0-9a-fA-F]{2}){4,}/g) ?? []) {
    out.push(Buffer.from(run, 'hex').toString('latin1'));
  }
  return out;
}

/**
 * Whether `text` gives `secret` away, and how; `undefined` when none of its views holds the secret
 * or a stretch of it long enough to matter (its middle 12 characters).
 */
export function reveals(text: string, secret: string): string | undefined {
  const middle = secret.slice(Math.floor(secret.length / 2) - 6, Math.floor(secret.length / 2) + 6);
  const needles = [secret, middle, Buffer.from(middle).toString('latin1')];
  for (const view of views(text)) {
    const squeezed = view.replace(/["'\s,+[\]\\]/g, '');
    for (const needle of needles) {
      if (view.includes(needle) || squeezed.includes(needle.replace(/["'\s,+[\]\\]/g, ''))) {
        return `${JSON.stringify(needle)} in ${JSON.stringify(view.slice(0, 120))}`;
      }
    }
  }
  return undefined;
}
