import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The fields of an entry its content hash covers (its body only through the body hash). */
export interface HashedEntryFields {
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly integrationId: string | null;
  readonly runId: string | null;
  readonly requestId: string | null;
  /** SHA-256 of the canonical JSON of the body, or null for an entry without a body. */
  readonly bodyHash: Buffer | null;
}

/** First `prev_hash` of the chain: 32 zero bytes. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** SHA-256 of the canonical JSON of an entry's body (`data`); null when there is none. */
export function bodyHashOf(data: unknown): Buffer | null {
  return data === null || data === undefined ? null : sha256(canonicalJson(data));
}

/**
 * SHA-256 of the canonical JSON of the entry's metadata and body hash. Retention may drop the body;
 * the body hash stays, so this still verifies.
 */
export function contentHashOf(fields: HashedEntryFields): Buffer {
  return sha256(
    canonicalJson({
      v: 1,
      at: fields.at.toISOString(),
      actor: fields.actor,
      action: fields.action,
      subjectType: fields.subjectType,
      subjectId: fields.subjectId,
      integrationId: fields.integrationId,
      runId: fields.runId,
      requestId: fields.requestId,
      bodyHash: fields.bodyHash ? fields.bodyHash.toString('hex') : null,
    }),
  );
}

/**
 * Link `seq` of the chain: SHA-256 of the text `<prev hash hex>\n<seq>\n<content hash hex>`, so an
 * auditor can recompute it with any tool.
 */
export function chainHashOf(prevHash: Buffer, seq: number, contentHash: Buffer): Buffer {
  return sha256(`${prevHash.toString('hex')}\n${seq}\n${contentHash.toString('hex')}`);
}
