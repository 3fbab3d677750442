import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Encrypts and decrypts small JSON values with AES-256-GCM; the output names the key used. */
export interface SecretBox {
  /** Short id of the key, stored next to what it encrypted so keys can be rotated. */
  readonly keyId: string;
  seal(value: unknown): Buffer;
  open(sealed: Buffer): unknown;
}

const VERSION = 1;

/**
 * Layout: version (1 byte) | key id (8 bytes) | IV (12) | auth tag (16) | ciphertext.
 * `previous` keys can still open what they sealed; new values use `key`.
 */
export function createSecretBox(key: Buffer, previous: readonly Buffer[] = []): SecretBox {
  if (key.length !== 32) throw new Error('The secret key must be 32 bytes.');
  const keys = new Map<string, Buffer>();
  for (const k of [key, ...previous]) keys.set(keyIdOf(k).toString('hex'), k);
  const id = keyIdOf(key);
  return {
    keyId: id.toString('hex'),
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), id, iv, cipher.getAuthTag(), body]);
    },
    open(sealed) {
      if (sealed[0] !== VERSION) throw new Error('Unknown secret format.');
      const keyHex = sealed.subarray(1, 9).toString('hex');
      const k = keys.get(keyHex);
      if (!k) throw new Error(`The secret was sealed with key ${keyHex}, which is not configured.`);
      const decipher = createDecipheriv('aes-256-gcm', k, sealed.subarray(9, 21));
      decipher.setAuthTag(sealed.subarray(21, 37));
      const plain = Buffer.concat([decipher.update(sealed.subarray(37)), decipher.final()]);
      return JSON.parse(plain.toString('utf8'));
    },
  };
}

function keyIdOf(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, 8);
}
