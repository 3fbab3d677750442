import type { Selectable } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * The kinds of versioned configuration object: where each keeps its current row and its
 * immutable versions, the prefix of its ids, and the subject its audit entries name.
 */
export const versionedKinds = {
  integration: {
    table: 'integrations',
    versions: 'integration_versions',
    owner: 'integration_id',
    idPrefix: 'int_',
    title: 'Integration',
  },
  sync: {
    table: 'syncs',
    versions: 'sync_versions',
    owner: 'sync_id',
    idPrefix: 'syn_',
    title: 'Sync',
  },
} as const;

export type VersionedKind = keyof typeof versionedKinds;

type Spec<K extends VersionedKind> = (typeof versionedKinds)[K];

/** The columns the current row of every kind has. */
export interface VersionedRowBase {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly current_version: number;
  readonly revision: number;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly created_by: string;
}

/** The current row of a versioned object of kind `K` (`revision` is its ETag). */
export type VersionedRow<K extends VersionedKind> = Selectable<Database[Spec<K>['table']]> &
  VersionedRowBase;

/** One saved version of a versioned object, as its versions table keeps it. */
export interface VersionRow {
  readonly version: number;
  readonly definition: unknown;
  readonly created_at: Date;
  readonly created_by: string;
}
