import { createLogger, createRedactor, InvalidInputError } from '@junction/connector-kit';
import { describe, expect, it } from 'vitest';
import { CANARY, CANARY_USER, echoForms, reveals } from './secret-forms.js';

const connectionString = `postgres://${CANARY_USER}:${encodeURIComponent(CANARY)}@erp.internal:5432/erp`;

describe('one redaction for every form a secret takes', () => {
  const redactor = createRedactor([CANARY]);

  it.each(echoForms(CANARY))('the oracle sees the canary in its %s form', (_name, text) => {
    expect(reveals(text, CANARY)).toBeDefined();
  });

  it.each(echoForms(CANARY))('hides it in its %s form', (_name, text) => {
    const out = redactor.text(text);
    expect(reveals(out, CANARY), out).toBeUndefined();
    expect(out).toContain('[REDACTED]');
  });

  it('hides it in values: strings, member names, and across string values', () => {
    const half = CANARY.length / 2;
    const value = {
      headers: { authorization: `Bearer ${CANARY}` },
      [`x-${CANARY}`]: 1,
      parts: [CANARY.slice(0, half), CANARY.slice(half)],
      nested: { list: [{ deep: encodeURIComponent(CANARY) }] },
      count: 3,
      ok: true,
    };
    const out = redactor.value(value);
    expect(reveals(JSON.stringify(out), CANARY)).toBeUndefined();
    expect(out).toMatchObject({
      count: 3,
      ok: true,
      headers: { authorization: 'Bearer [REDACTED]' },
    });
    // The input is left as it was.
    expect(value.headers.authorization).toContain(CANARY);
  });

  it('hides it in values no longer than it: alone, in each form, and split in short pieces', () => {
    // Strings shorter than every form of every secret skip the search; these are the shortest
    // that may hold one, and pieces that hold none alone.
    expect(redactor.value({ exact: CANARY })).toEqual({ exact: '[REDACTED]' });
    const third = Math.ceil(CANARY.length / 3);
    const pieces = [0, 1, 2].map((i) => CANARY.slice(i * third, (i + 1) * third));
    const split = redactor.value({ a: pieces[0], b: { c: pieces[1] }, d: [pieces[2]], n: 1 });
    expect(reveals(JSON.stringify(split), CANARY)).toBeUndefined();
    const quoted = redactor.value({ v: `"${pieces[0]}","${pieces[1]}","${pieces[2]}"` });
    expect(reveals(JSON.stringify(quoted), CANARY)).toBeUndefined();
    for (const [name, text] of echoForms(CANARY)) {
      expect(reveals(JSON.stringify(redactor.value({ v: text })), CANARY), name).toBeUndefined();
    }
    const short = createRedactor(['tok3n-value']);
    expect(short.value(['tok3n', '-value'])).toEqual(['[REDACTED]', '[REDACTED]']);
    expect(short.text('tok3n-valu')).toBe('tok3n-valu');
  });

  it('hides the password of a connection string, however it is echoed', () => {
    const fromUrl = createRedactor([connectionString]);
    for (const [name, text] of [
      ['the URL', `connect ${connectionString} failed`],
      ...echoForms(CANARY),
    ] as const) {
      expect(reveals(fromUrl.text(text), CANARY), name).toBeUndefined();
    }
  });

  it('keeps ordinary text and short values as they are', () => {
    expect(createRedactor(['abc']).text('abc abc')).toBe('abc abc');
    expect(redactor.text('HTTP 404: no customer 42')).toBe('HTTP 404: no customer 42');
    expect(redactor.value({ a: 'x', b: [1, 'y'] })).toEqual({ a: 'x', b: [1, 'y'] });
  });

  it('redacts errors, keeping their kind and dropping their cause', () => {
    const error = new InvalidInputError(`HTTP 400: bad key ${CANARY}`, {
      status: 400,
      cause: { echo: CANARY },
    });
    const out = redactor.error(error);
    expect(out).toMatchObject({ kind: 'invalidInput', status: 400 });
    expect(out.message).toBe('HTTP 400: bad key [REDACTED]');
    expect(out.cause).toBeUndefined();
    const plain = new Error(`ECONNREFUSED ${encodeURIComponent(CANARY)}`);
    expect(redactor.error(plain).message).toBe('ECONNREFUSED [REDACTED]');
    const clean = new Error('nothing to hide');
    expect(redactor.error(clean)).toBe(clean);
  });

  it("redacts plugins' log lines at every level", () => {
    const entries: unknown[] = [];
    const logger = createLogger({ secrets: [CANARY], sink: (e) => entries.push(e) });
    for (const [name, text] of echoForms(CANARY)) {
      logger.debug(text, { name, text, error: new Error(text) });
      logger.error(text);
    }
    expect(reveals(JSON.stringify(entries), CANARY)).toBeUndefined();
  });
});

describe('redacting a page of records (a look that copies nothing first)', () => {
  const redactor = createRedactor([connectionString]);
  type Page = { records: { key: string; values: Record<string, unknown> }[]; next: string };
  const page = (): Page => ({
    records: Array.from({ length: 1000 }, (_, i) => ({
      key: String(i + 1),
      modifiedAt: new Date(Date.UTC(2026, 11, 7, 0, 0, i)).toISOString(),
      values: {
        id: String(i + 1),
        email: `user${i + 1}@example.com`,
        name: `User ${i + 1}`,
        tags: ['a', 'b'],
        nested: { list: [{ n: i }] },
      },
    })),
    next: '1000',
  });
  /** Every string value in walk order, joined: where a split secret would read whole again. */
  const joined = (value: unknown): string =>
    typeof value === 'string'
      ? value
      : value !== null && typeof value === 'object'
        ? Object.values(value).map(joined).join('')
        : '';
  const half = Math.floor(CANARY.length / 2);

  it('gives a page that holds no secret back as it is, without copying it', () => {
    const clean = page();
    const before = JSON.stringify(clean);
    expect(redactor.value(clean)).toBe(clean);
    expect(JSON.stringify(clean)).toBe(before);
  });

  it.each<[string, number, Record<string, unknown>]>([
    ['a value', 500, { name: `Echo ${CANARY}` }],
    ['a member name', 999, { [`x-${CANARY}`]: 1 }],
    ['a JSON-escaped form', 0, { note: JSON.stringify({ password: CANARY }) }],
    ['a URL-encoded form', 7, { name: `?pw=${encodeURIComponent(CANARY)}` }],
    ['a deep member', 3, { nested: { list: [{ n: { echo: [CANARY] } }] } }],
    ['two values in a row', 10, { email: CANARY.slice(0, half), name: CANARY.slice(half) }],
    ['one character a value', 20, { tags: [...CANARY] }],
  ])('still finds the secret in %s among a thousand records', (_name, index, planted) => {
    const dirty = page();
    Object.assign(dirty.records[index]?.values as object, planted);
    const out = redactor.value(dirty);
    const text = JSON.stringify(out);
    expect(reveals(text, CANARY)).toBeUndefined();
    expect(joined(out)).not.toContain(CANARY);
    expect(text).toContain('[REDACTED]');
    // The other records are as they were, and the input is left alone.
    expect(out.records[index === 1 ? 2 : 1]).toEqual(dirty.records[index === 1 ? 2 : 1]);
    expect(dirty.records[index]?.values).toMatchObject(planted);
  });

  it('finds a secret split one character a value in a value of its own', () => {
    const out = redactor.value({ pieces: [...CANARY] });
    expect(joined(out)).not.toContain(CANARY);
    expect(out.pieces.every((piece) => piece === '[REDACTED]')).toBe(true);
  });

  it('copies what is not plain data, as before: a URL or a class with toJSON reads empty', () => {
    class Echo {
      toJSON() {
        return CANARY;
      }
    }
    const out = redactor.value({ url: new URL(connectionString), echo: new Echo(), n: 1 });
    expect(out).toEqual({ url: {}, echo: {}, n: 1 });
    expect(reveals(JSON.stringify(out), CANARY)).toBeUndefined();
  });
});
