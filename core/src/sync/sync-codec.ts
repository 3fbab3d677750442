import { hash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical-json.js';
import { compileMapping, type FieldError, type Mapping } from '../mapping/index.js';
import type { SyncRecord } from './record-client.js';
import { mappingFrom, type SideName, type SyncDefinition } from './sync-definition.js';

/** A record of a side as the sync sees it: what it means for the other side. */
export interface RecordView {
  /** The mapping's output for the record (the other side's fields), or null for a side not read. */
  readonly mapped: Record<string, unknown> | null;
  /** Hex SHA-256 of the canonical JSON of `mapped` (null with it). */
  readonly hash: string | null;
  /** The canonical JSON of `mapped` that `hash` covers (null with it). */
  readonly json: string | null;
  readonly errors: readonly FieldError[];
}

/**
 * How one side's records are mapped and hashed. A record's hash covers exactly what the sync
 * would send from it (its mapping's output): a change to a field the sync does not read changes
 * nothing, and a record Junction wrote comes back with the hash of what was written (an echo).
 */
export interface SideCodec {
  view(record: SyncRecord): RecordView;
}

export function hashOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** Hex SHA-256 of a text's UTF-8 (one-shot `crypto.hash`: half the time of a `createHash`). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The codecs of both sides of a sync definition. */
export function createCodecs(definition: SyncDefinition): Record<SideName, SideCodec> {
  const codec = (side: SideName): SideCodec => {
    const mapping = mappingFrom(definition, side);
    if (mapping === undefined)
      return { view: () => ({ mapped: null, hash: null, json: null, errors: [] }) };
    const compiled = compileMapping(mapping as Mapping);
    return {
      view(record) {
        const { output, errors } = compiled({ record });
        const mapped = { ...output };
        const json = canonicalJson(mapped);
        return { mapped, hash: sha256Hex(json), json, errors };
      },
    };
  };
  return { a: codec('a'), b: codec('b') };
}

/** The value at a dotted path of an object (undefined where it stops). */
export function valueAt(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** Only the dotted `paths` of `value` (those it has), as a nested object. */
export function pickPaths(value: Record<string, unknown>, paths: readonly string[]) {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const found = valueAt(value, path);
    if (found === undefined) continue;
    const parts = path.split('.');
    const last = parts.pop() as string;
    let into = out;
    for (const part of parts) {
      const next = Object.hasOwn(into, part) ? into[part] : undefined;
      if (next === null || typeof next !== 'object') into[part] = {};
      into = into[part] as Record<string, unknown>;
    }
    into[last] = found;
  }
  return out;
}
