import { canonicalJson } from '../audit/canonical-json.js';
import { readPath } from '../mapping/read-path.js';
import { createCodecs, type RecordView, sha256Hex } from './sync-codec.js';
import { mappingFrom, type SyncDefinition } from './sync-definition.js';

type Row = Readonly<Record<string, unknown>>;

/** A record as a link keeps it: what the sync sends from it (its mapping's output) and its hash. */
export interface RecordState {
  readonly base: Record<string, unknown> | null;
  readonly hash: string | null;
  readonly version: string | null;
  /** The canonical JSON of `base` (what `hash` covers), null with it. */
  readonly json?: string | null;
}

/** What backfill and reconciliation compute of one side's records. */
export interface SideCodec {
  /**
   * The record's state on its link, as change detection computes it: the mapping's output
   * (null for a side the sync does not read), the hex SHA-256 of its canonical JSON, and the
   * record's updated-at value as text.
   */
  state(record: Row): RecordState;
  /** The hash of the record's match value (the key correspondence), null without one. */
  match(record: Row): string | null;
  /** The record mapped to the other side's fields (`undefined`: no mapping that way). */
  map(record: Row): Mapped | undefined;
  /** `map` and `state` of a record from one evaluation of the mapping (`output` is `base`). */
  mapWithState(record: Row): { readonly mapped: Mapped | undefined; readonly state: RecordState };
}

/** A record mapped to the other side's fields, with the first field the mapping failed on. */
export interface Mapped {
  readonly output: Record<string, unknown>;
  readonly error?: string;
}

/** Scalars match by their text (a bigint key read as "7" matches a MariaDB 7). */
export function matchText(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'object' ? canonicalJson(value) : String(value);
}

/**
 * The codec of side `side` of a sync: the mapping towards the other side and the state a link
 * keeps, as change detection computes them (`createCodecs`), and the match hash, for a record
 * type whose updated-at field is `updatedAtField`.
 */
export function sideCodec(
  definition: SyncDefinition,
  side: 'a' | 'b',
  updatedAtField: string | undefined,
): SideCodec {
  const codec = createCodecs(definition)[side];
  const matchPath = definition.match === undefined ? undefined : definition.match[side].split('.');
  const maps = mappingFrom(definition, side) !== undefined;
  const mappedOf = ({ mapped, errors }: RecordView): Mapped => {
    const first = errors[0];
    const output = mapped ?? {};
    return first === undefined ? { output } : { output, error: `${first.field}: ${first.message}` };
  };
  const versionOf = (record: Row) => {
    const value = updatedAtField === undefined ? undefined : record[updatedAtField];
    return value === undefined || value === null ? null : String(value);
  };
  return {
    map: (record) => (maps ? mappedOf(codec.view(record)) : undefined),
    state(record) {
      const { mapped, hash, json } = codec.view(record);
      return { base: mapped, hash, version: versionOf(record), json };
    },
    mapWithState(record) {
      const view = codec.view(record);
      return {
        mapped: maps ? mappedOf(view) : undefined,
        state: { base: view.mapped, hash: view.hash, version: versionOf(record), json: view.json },
      };
    },
    match(record) {
      if (matchPath === undefined) return null;
      const text = matchText(readPath(record, matchPath));
      return text === null ? null : sha256Hex(text);
    },
  };
}
