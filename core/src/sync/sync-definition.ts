import { z } from '@hono/zod-openapi';

const path = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, {
  error: 'must be a dotted field path, as in "values.email"',
});

/** A JSON-logic expression over `record` (the source side's record); checked at save. */
const Expression = z.unknown().openapi({ example: { var: 'record.values.email' } });

export const SyncSideSchema = z
  .object({
    connector: z.string().min(1).openapi({ example: 'postgres' }),
    /** Pinned plugin version; the newest installed version when omitted on save. */
    version: z.string().min(1).optional().openapi({ example: '0.2.0' }),
    connection: z.string().min(1).optional().openapi({ example: 'con_2b1f0c3e' }),
    recordType: z.string().min(1).openapi({ example: 'table_row' }),
    settings: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        example: { table: 'crm_contacts', keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      }),
  })
  .strict()
  .openapi('SyncSide');

/** Target field of the other side's record type -> expression over `record`. */
const MappingSchema = z.record(z.string(), Expression).openapi('SyncMapping', {
  example: {
    values: {
      object: [
        ['email', { var: 'record.values.email' }],
        ['name', { var: 'record.values.full_name' }],
      ],
    },
  },
});

export const ConflictPolicySchema = z
  .discriminatedUnion('policy', [
    z.object({ policy: z.literal('a_wins') }).strict(),
    z.object({ policy: z.literal('b_wins') }).strict(),
    z.object({ policy: z.literal('newest_wins') }).strict(),
    z.object({ policy: z.literal('park') }).strict(),
    z
      .object({
        policy: z.literal('fields'),
        /**
         * Target fields of `aToB` (or dotted paths into them, as `values.name`) that side A
         * owns: applied to B in a conflict.
         */
        aOwns: z.array(path).default([]),
        /** Likewise for `bToA`: what side B owns, applied to A in a conflict. */
        bOwns: z.array(path).default([]),
      })
      .strict(),
  ])
  .openapi('SyncConflictPolicy', { example: { policy: 'park' } });

export const DeletePolicySchema = z
  .discriminatedUnion('policy', [
    z.object({ policy: z.literal('delete') }).strict(),
    z.object({ policy: z.literal('flag') }).strict(),
    z
      .object({
        policy: z.literal('archive'),
        /** The other side's field to set (a target field of the mapping towards it). */
        field: z.string().min(1),
        /** The value it is set to (for `table_row`: an object of columns, as in `values`). */
        value: z.unknown(),
      })
      .strict(),
  ])
  .openapi('SyncDeletePolicy', { example: { policy: 'flag' } });

export const SyncDefinitionSchema = z
  .object({
    name: z.string().min(1).max(200),
    a: SyncSideSchema,
    b: SyncSideSchema,
    direction: z.enum(['a_to_b', 'b_to_a', 'both']),
    mappings: z.object({ aToB: MappingSchema.optional(), bToA: MappingSchema.optional() }).strict(),
    /** How an existing A record matches an existing B record (used to link them). */
    match: z.object({ a: path, b: path }).strict().optional(),
    conflict: ConflictPolicySchema.default({ policy: 'park' }),
    deletes: DeletePolicySchema.default({ policy: 'flag' }),
    /** Seconds between two change detections (default 60). */
    intervalSeconds: z.number().int().min(1).max(86_400).default(60),
    /** Seconds between two full scans of a side that find deleted records (default 300). */
    deleteScanSeconds: z.number().int().min(1).max(604_800).default(300),
    /** Seconds between two scheduled reconciliations (none without; at least 60). */
    reconcileEverySeconds: z.number().int().min(60).max(2_592_000).optional(),
  })
  .strict()
  .openapi('SyncDefinition', {
    example: {
      name: 'CRM contacts <-> ERP customers',
      a: {
        connector: 'postgres',
        connection: 'con_crm',
        recordType: 'table_row',
        settings: { table: 'crm_contacts', keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      },
      b: {
        connector: 'mysql',
        connection: 'con_erp',
        recordType: 'table_row',
        settings: { table: 'erp_customers', keyColumn: 'id', modifiedAtColumn: 'updated_at' },
      },
      direction: 'both',
      mappings: {
        aToB: { values: { object: [['email', { var: 'record.values.email' }]] } },
        bToA: { values: { object: [['email', { var: 'record.values.email' }]] } },
      },
      match: { a: 'values.email', b: 'values.email' },
      conflict: { policy: 'park' },
      deletes: { policy: 'flag' },
      intervalSeconds: 30,
      deleteScanSeconds: 300,
    },
  });

export type SyncDefinition = z.infer<typeof SyncDefinitionSchema>;
export type SyncSide = z.infer<typeof SyncSideSchema>;
export type SideName = 'a' | 'b';

/** Whether a sync reads side `side` (its changes go to the other side). */
export function reads(definition: Pick<SyncDefinition, 'direction'>, side: SideName): boolean {
  return definition.direction === 'both' || definition.direction === `${side}_to_${other(side)}`;
}

export function other(side: SideName): SideName {
  return side === 'a' ? 'b' : 'a';
}

/** The mapping that turns a record of `from` into fields of the other side. */
export function mappingFrom(definition: SyncDefinition, from: SideName) {
  return from === 'a' ? definition.mappings.aToB : definition.mappings.bToA;
}
