import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import {
  type AuditFilter,
  auditCsvColumns,
  auditEntryToCsv,
  auditEntryToJson,
  selectAuditEntries,
  streamAuditEntries,
} from '../../audit/query-audit-entries.js';
import { verifyAuditChain } from '../../audit/verify-audit-chain.js';
import type { Database } from '../../db/schema.js';
import type { AppEnv } from '../app-env.js';
import { requestLogger } from '../middleware/request-log.js';
import { requirePermission } from '../middleware/require-role.js';
import { problemResponses } from '../openapi-schemas.js';
import { decodeCursor, PageQuerySchema, pageOf } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';

const security = [{ bearerAuth: [] }];

const text = (name: string, description: string, example?: string) =>
  z
    .string()
    .min(1)
    .max(500)
    .optional()
    .openapi({ param: { name, in: 'query' }, description, example });
const time = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: 'query' }, description, example: '2025-01-01T00:00:00Z' });

const FilterQuerySchema = z.object({
  subjectType: text('subjectType', 'Kind of subject: token, connection, crm.contact...', 'token'),
  subjectId: text('subjectId', 'Id of the subject (with subjectType).', '42'),
  integrationId: text('integrationId', 'Entries of one integration.'),
  runId: text('runId', 'Entries of one run.'),
  actor: text('actor', '`token:<id>`, `integration:<id>` or `system`.', 'token:admin-env'),
  action: text('action', 'An action, or a prefix ending in `*`.', 'token.*'),
  from: time('from', 'Entries at or after this time.'),
  to: time('to', 'Entries before this time.'),
});

const AuditEntrySchema = z
  .object({
    id: z.string(),
    seq: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Position in the chain; null until sealed.' }),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.string().openapi({ example: 'token:tok_5f0c6f1e-3b8e-4c59-9d1a-7a2b5f1c9e20' }),
    action: z.string().openapi({ example: 'token.create' }),
    subject: z.object({ type: z.string(), id: z.string() }),
    integrationId: z.string().nullable(),
    runId: z.string().nullable(),
    requestId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
    bodyDroppedAt: z.string().nullable().openapi({ format: 'date-time' }),
    bodyHash: z.string().nullable(),
    contentHash: z.string().nullable(),
    prevHash: z.string().nullable(),
    hash: z.string().nullable(),
    sealedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('AuditEntry');

const VerificationSchema = z
  .object({
    ok: z.boolean(),
    checked: z.number().int(),
    unsealed: z.number().int().openapi({ description: 'Entries the sealer has not linked yet.' }),
    head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
    brokenLink: z
      .object({
        id: z.string(),
        seq: z.number().int(),
        reason: z.string().openapi({ example: 'body-hash-mismatch' }),
        message: z.string(),
      })
      .nullable(),
  })
  .openapi('AuditVerification');

const listAudit = createRoute({
  method: 'get',
  path: '/v1/audit',
  tags: ['audit'],
  summary: 'Query the audit trail, oldest first',
  security,
  middleware: [requirePermission('audit:read')] as const,
  request: { query: FilterQuerySchema.extend(PageQuerySchema.shape) },
  responses: {
    200: {
      description: 'A page of entries.',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 422),
  },
});

const verifyAudit = createRoute({
  method: 'get',
  path: '/v1/audit/verify',
  tags: ['audit'],
  summary: 'Walk the hash chain and report the first broken link',
  security,
  middleware: [requirePermission('audit:read')] as const,
  responses: {
    200: {
      description: 'The verification (ok is false when a link is broken).',
      content: { 'application/json': { schema: VerificationSchema } },
    },
    ...problemResponses(401, 403),
  },
});

const exportAudit = createRoute({
  method: 'get',
  path: '/v1/audit/export',
  tags: ['audit'],
  summary: 'Export matching entries as NDJSON or CSV, streamed',
  security,
  middleware: [requirePermission('audit:export')] as const,
  request: {
    query: FilterQuerySchema.extend({
      format: z
        .enum(['ndjson', 'csv'])
        .default('ndjson')
        .openapi({ param: { name: 'format', in: 'query' }, example: 'ndjson' }),
    }),
  },
  responses: {
    200: {
      description: 'One entry per line (NDJSON: as in GET /v1/audit; CSV: with a header row).',
      content: {
        'application/x-ndjson': { schema: z.string() },
        'text/csv': { schema: z.string() },
      },
    },
    ...problemResponses(401, 403, 422),
  },
});

type FilterQuery = z.infer<typeof FilterQuerySchema>;

function filterOf(query: FilterQuery) {
  if (query.subjectId !== undefined && query.subjectType === undefined) {
    throw new HttpProblem(
      problem(422, 'subjectId needs subjectType too.', {
        errors: [{ in: 'query', pointer: '/subjectType', detail: 'required with subjectId' }],
      }),
    );
  }
  return {
    ...query,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
}

async function* exportLines(db: Kysely<Database>, filter: AuditFilter, csv: boolean) {
  if (csv) yield `${auditCsvColumns.join(',')}\r\n`;
  for await (const row of streamAuditEntries(db, filter)) {
    yield csv ? auditEntryToCsv(row) : `${JSON.stringify(auditEntryToJson(row))}\n`;
  }
}

/** `/v1/audit`: query, verify and export the audit trail. */
export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, db: Kysely<Database>): void {
  app.openapi(listAudit, async (c) => {
    const { limit, cursor, ...query } = c.req.valid('query');
    const after = decodeCursor(cursor);
    const rows = await selectAuditEntries(db, { ...filterOf(query), afterId: after?.id })
      .limit(limit + 1)
      .execute();
    const page = pageOf(rows, limit, (r) => ({ at: new Date(r.at).toISOString(), id: r.id }));
    return c.json({ data: page.data.map(auditEntryToJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(verifyAudit, async (c) => c.json(await verifyAuditChain(db), 200));

  app.openapi(exportAudit, (c) => {
    const { format, ...query } = c.req.valid('query');
    const filter = filterOf(query);
    const csv = format === 'csv';
    c.header('Content-Type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    c.header('Content-Disposition', `attachment; filename="audit.${csv ? 'csv' : 'ndjson'}"`);
    const lines = exportLines(db, filter, csv);
    const encoder = new TextEncoder();
    // Pulled one line at a time as the client reads: at most one batch of rows is in memory. An
    // error midway errors the stream, so the client sees a cut response, never a clean short one.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          // About 64 KiB per chunk: few writes, little memory.
          let text = '';
          for (;;) {
            const next = await lines.next();
            if (next.done) {
              if (text) controller.enqueue(encoder.encode(text));
              controller.close();
              return;
            }
            text += next.value;
            if (text.length >= 65_536) break;
          }
          controller.enqueue(encoder.encode(text));
        } catch (error) {
          requestLogger(c).error({ err: error }, 'audit export failed midway');
          controller.error(error);
        }
      },
      async cancel() {
        await lines.return(undefined);
      },
    });
    return c.body(body, 200) as never;
  });
}
