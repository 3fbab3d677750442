import { REDACTED } from './auth.js';
import { ConnectorError, connectorErrorFromJSON } from './errors.js';
import { createFormSearch } from './form-search.js';

/**
 * Hides secrets in text and values from a target or plugin, in every form a secret is sent or
 * echoed in: as it is, JSON-escaped, URL- and form-encoded, in hexadecimal, inside base64 at any
 * offset (so `Basic base64(user:password)` and tokens embedded in base64 blobs are found), the
 * password of a URL-shaped secret (a connection string), and split across JSON strings or
 * string values (`["s3cr", "et"]`).
 *
 * @example
 * ```ts
 * const redactor = createRedactor(['s3cret-token']);
 * redactor.text('Authorization: Bearer s3cret-token'); // 'Authorization: Bearer [REDACTED]'
 * redactor.value({ echo: ['s3cret', '-token'] });      // { echo: ['[REDACTED]', '[REDACTED]'] }
 * ```
 */
export interface Redactor {
  /** Whether there is anything to hide. */
  readonly empty: boolean;
  text(text: string): string;
  /**
   * A copy of `value` with every string (and member name) redacted; other values kept. Plain
   * data that holds no secret (arrays, plain objects, dates, primitives) comes back as it is.
   */
  value<T>(value: T): T;
  /** `error` itself when it holds no secret, else a copy of it without the secrets (and no cause). */
  error<E extends Error>(error: E): E | ConnectorError | Error;
}

/** Shorter secrets are not hidden: they would hide ordinary words. */
const MIN_LENGTH = 4;
/** A secret is searched for across string boundaries only from this length on. */
const MIN_SPLIT_LENGTH = 6;
/** Characters dropped before searching a secret split across JSON strings. */
const JOINERS = /["'\s,+[\]\\]/;

function base64Cores(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Characters whose six bits all come from the secret's bytes.
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const core = encoded.slice(first, end);
    out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** Every form of one secret that text may carry. */
function formsOf(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const textual = [
    secret,
    JSON.stringify(secret).slice(1, -1),
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (p) => p.toLowerCase()),
    new URLSearchParams({ v: secret }).toString().slice(2),
    encodeURI(secret),
  ];
  // Each textual form may itself be carried in hexadecimal or base64 (a JSON body, a token).
  const binary = [...new Set(textual)].flatMap((form) => {
    const bytes = Buffer.from(form, 'utf8');
    return [bytes.toString('hex'), bytes.toString('hex').toUpperCase(), ...base64Cores(bytes)];
  });
  return [...textual, ...binary].filter((form) => form.length >= MIN_LENGTH);
}

/** The password inside a URL-shaped secret (`postgres://user:pw@host/db`), decoded. */
function urlPassword(secret: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(secret)) return undefined;
  try {
    const password = decodeURIComponent(new URL(secret).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Holder = Record<string | number, unknown>;
/** A string value inside a value being redacted, and where it sits. */
interface Leaf {
  readonly holder: Holder;
  readonly key: string | number;
  readonly value: string;
}

/** Whether the character at `i` of `text` is a joiner ({@link JOINERS}), without a regex for ASCII. */
function isJoiner(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code >= 128) return JOINERS.test(text[i] as string);
  // "'+,[\] and the ASCII white space (\t \n \v \f \r and the space).
  return (
    code === 34 ||
    code === 39 ||
    code === 43 ||
    code === 44 ||
    code === 91 ||
    code === 92 ||
    code === 93 ||
    code === 32 ||
    (code >= 9 && code <= 13)
  );
}

/** Drops joiner characters, keeping where each kept character came from. */
function squeeze(text: string): { readonly text: string; readonly at: number[] } {
  let out = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (!isJoiner(text, i)) {
      out += text[i];
      at.push(i);
    }
  }
  return { text: out, at };
}

/** Marks, in a text of `length` characters, the spans where one of `needles` occurs. */
function spans(text: string, needles: readonly string[]): boolean[] | undefined {
  let marked: boolean[] | undefined;
  for (const needle of needles) {
    for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
      marked ??= new Array<boolean>(text.length).fill(false);
      marked.fill(true, i, i + needle.length);
    }
  }
  return marked;
}

/** `text` with each marked run replaced by one placeholder. */
function replaceMarked(text: string, marked: readonly boolean[], offset = 0): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!marked[offset + i]) out += text[i];
    else if (i === 0 || !marked[offset + i - 1]) out += REDACTED;
  }
  return out;
}

/**
 * Creates a {@link Redactor} for `secrets` (credential values; those shorter than 4 characters
 * are ignored). The one redaction Junction applies to everything a target or plugin says before
 * it is stored, logged or answered.
 *
 * @example
 * ```ts
 * const redactor = createRedactor(secretValues(connector.auth, credentials));
 * const safe = redactor.value(output);
 * ```
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const wanted = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_LENGTH) continue;
    wanted.add(secret);
    const password = urlPassword(secret);
    if (password !== undefined && password.length >= MIN_LENGTH) wanted.add(password);
  }
  // Longest first, so that a form containing another is replaced whole.
  const forms = [...new Set([...wanted].flatMap(formsOf))].sort((a, b) => b.length - a.length);
  const squeezed = [
    ...new Set(forms.map((form) => squeeze(form).text).filter((f) => f.length >= MIN_SPLIT_LENGTH)),
  ];
  const empty = forms.length === 0;
  // No text shorter than every form (and every form without its joiners) can hold one: most
  // strings of a record (names, ids, dates) are shorter than a token or a connection string, and
  // skip the search. Such strings still count when a secret is split across several of them.
  let shortest = Number.POSITIVE_INFINITY;
  for (const form of [...forms, ...squeezed]) shortest = Math.min(shortest, form.length);
  // One pattern of every form, longest first: one pass finds the longest form at each place.
  const anyForm = empty ? undefined : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  /** Whether a text holds a form: the test before `anyForm` replaces, faster than its own. */
  const holdsForm = createFormSearch(forms);
  const longForms = forms.filter((f) => f.length >= MIN_SPLIT_LENGTH);
  const anyLongForm =
    longForms.length === 0 ? undefined : new RegExp(longForms.map(escapeRegExp).join('|'));

  function text(input: string): string {
    if (anyForm === undefined || input.length < shortest) return input;
    const out = holdsForm(input) ? input.replace(anyForm, REDACTED) : input;
    // A secret split into quoted pieces (`"s3cr" + "et"`, `["s3cr","et"]`): only text with
    // quotes can hold one, and most values have none.
    if (squeezed.length === 0 || !/["']/.test(out)) return out;
    const loose = squeeze(out);
    const marked = spans(loose.text, squeezed);
    if (marked === undefined) return out;
    const inOriginal = new Array<boolean>(out.length).fill(false);
    loose.at.forEach((position, i) => {
      if (marked[i]) inOriginal[position] = true;
    });
    // Joiners between two hidden characters are hidden with them.
    for (let i = 1; i < out.length - 1; i++) {
      if (!inOriginal[i] && isJoiner(out, i)) {
        let j = i;
        while (j < out.length && !inOriginal[j] && isJoiner(out, j)) j++;
        if (inOriginal[i - 1] && inOriginal[j]) inOriginal.fill(true, i, j);
        i = j;
      }
    }
    return replaceMarked(out, inOriginal);
  }

  /** Redacts a secret spread over several string values (`{ a: 's3cr', b: 'et' }`). */
  function acrossStrings(leaves: Leaf[]): void {
    if (leaves.length < 2 || anyLongForm === undefined) return;
    const filled = leaves.filter((leaf) => leaf.value !== '');
    const joined = filled.map((leaf) => leaf.value).join('');
    if (!anyLongForm.test(joined)) return;
    const marked = spans(joined, longForms);
    if (marked === undefined) return;
    let offset = 0;
    for (const leaf of filled) {
      const length = leaf.value.length;
      if (marked.slice(offset, offset + length).some(Boolean)) {
        leaf.holder[leaf.key] = replaceMarked(leaf.value, marked, offset);
      }
      offset += length;
    }
  }

  /**
   * Whether the walk of {@link value} may change nothing in `v`, gathering its non-empty string
   * values in the walk's order. Strings without quotes are not searched one by one: the caller
   * searches them all joined, where every form one of them holds is found as well (and so is a
   * secret split across them). Only plain data can be kept as it is: arrays, plain objects,
   * dates and primitives; anything else (a Buffer, a URL, a class with `toJSON`) is copied.
   */
  function unchanged(v: unknown, depth: number, strings: string[]): boolean {
    if (typeof v === 'string') {
      if (v === '') return true;
      // A secret split into quoted pieces inside one string is found by `text` alone.
      if (v.length >= shortest && (v.includes('"') || v.includes("'")) && text(v) !== v)
        return false;
      strings.push(v);
      return true;
    }
    if (v === null || typeof v !== 'object' || depth > 64 || v instanceof Date) return true;
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v)) {
      if (proto !== Array.prototype) return false;
      for (let i = 0; i < v.length; i++) if (!unchanged(v[i], depth + 1, strings)) return false;
      return true;
    }
    if (proto !== Object.prototype && proto !== null) return false;
    for (const name of Object.keys(v)) {
      if (text(name) !== name || !unchanged((v as Holder)[name], depth + 1, strings)) return false;
    }
    return true;
  }

  function value<T>(input: T): T {
    if (empty) return input;
    if (typeof input === 'string') return text(input) as T;
    // A look that copies nothing first: most outputs (a page of records) hold no secret.
    const strings: string[] = [];
    // No form in the strings joined: none in any one of them, and none split across them.
    if (unchanged(input, 0, strings) && !holdsForm(strings.join(''))) return input;
    const leaves: Leaf[] = [];
    const walk = (v: unknown, depth: number, holder: Holder, key: string | number): unknown => {
      if (typeof v === 'string') {
        const out = text(v);
        leaves.push({ holder, key, value: out });
        return out;
      }
      if (v === null || typeof v !== 'object' || depth > 64) return v;
      if (v instanceof Date) return v;
      if (Array.isArray(v)) {
        const copy: unknown[] = new Array(v.length);
        for (let i = 0; i < v.length; i++)
          copy[i] = walk(v[i], depth + 1, copy as unknown as Holder, i);
        return copy;
      }
      const copy: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(v)) {
        const safe = text(name);
        copy[safe] = walk(member, depth + 1, copy as Holder, safe);
      }
      return copy;
    };
    const root: Holder = {};
    root.value = walk(input, 0, root, 'value');
    acrossStrings(leaves);
    return root.value as T;
  }

  function error<E extends Error>(input: E): E | ConnectorError | Error {
    if (empty) return input;
    if (input instanceof ConnectorError) {
      const json = input.toJSON();
      const redacted = value(json);
      if (redacted === json || JSON.stringify(redacted) === JSON.stringify(json)) return input;
      return connectorErrorFromJSON(redacted);
    }
    const message = text(input.message);
    if (message === input.message) return input;
    const copy = new Error(message);
    copy.name = input.name;
    return copy;
  }

  return { empty, text, value, error };
}
