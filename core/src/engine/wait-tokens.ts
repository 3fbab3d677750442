import { createHmac, timingSafeEqual } from 'node:crypto';

/** The path a system POSTs a parked step's result to. */
export function callbackPath(token: string): string {
  return `/callbacks/${token}`;
}

/**
 * Signs and verifies the tokens of resume URLs: `<wait id>.<HMAC-SHA256 of the id>`, with a key
 * derived from the secret key, so that any process sharing the database (and the key) verifies a
 * callback without a lookup, and a forged or altered URL is refused before anything is read.
 */
export interface WaitSigner {
  token(waitId: string): string;
  /** The wait id of a genuine token, or undefined. */
  verify(token: string): string | undefined;
}

export function createWaitSigner(secretKey: Buffer): WaitSigner {
  const key = createHmac('sha256', secretKey).update('junction:wait-callbacks:v1').digest();
  const sign = (id: string) => createHmac('sha256', key).update(id).digest();
  return {
    token: (waitId) => `${waitId}.${sign(waitId).toString('base64url')}`,
    verify(token) {
      const dot = token.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const id = token.slice(0, dot);
      if (!/^wt_[0-9a-f-]{36}$/.test(id)) return undefined;
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = sign(id);
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
    },
  };
}
