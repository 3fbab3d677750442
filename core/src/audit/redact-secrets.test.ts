import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact-secrets.js';

const token = `jct_${'A'.repeat(43)}`;

describe('redactSecrets', () => {
  it('hands plain data without a secret on as it is (no copy)', () => {
    const page = {
      from: 'a',
      created: {
        side: 'b',
        links: [
          ['1', '2'],
          ['3', '4'],
        ],
      },
      at: new Date(0),
    };
    expect(redactSecrets(page)).toBe(page);
  });

  it('copies data with a secret-named member or an API token, leaving the input as it was', () => {
    const input = { links: [['1', '2']], deep: [{ apiKey: 'k', note: `uses ${token}` }] };
    const before = JSON.stringify(input);
    const out = redactSecrets(input) as typeof input;
    expect(out).not.toBe(input);
    expect(out).toEqual({
      links: [['1', '2']],
      deep: [{ apiKey: REDACTED, note: `uses ${REDACTED}` }],
    });
    expect(JSON.stringify(input)).toBe(before);
  });

  it('keeps empty secret-named members, and copies what is not plain data', () => {
    const input = { password: null, token: undefined, name: 'x' };
    expect(redactSecrets(input)).toBe(input);
    class Holder {
      password = 'p';
    }
    expect(redactSecrets({ held: new Holder() })).toEqual({ held: { password: REDACTED } });
    const url = new URL('https://example.com/');
    const out = redactSecrets({ url }) as { url: unknown };
    expect(out.url).not.toBe(url);
  });
});
