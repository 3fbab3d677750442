import { z } from '@hono/zod-openapi';

/** Every /v1 route needs a bearer token. */
export const security = [{ bearerAuth: [] }];

/** `If-Match` on writes to configuration objects (428 when missing, 412 when stale). */
export const ifMatch = z.object({
  'if-match': z
    .string()
    .optional()
    .openapi({
      param: { name: 'if-match', in: 'header' },
      description: 'Required: the ETag last read. Missing: 428. Stale: 412.',
      example: '"r3"',
    }),
});

/** `Idempotency-Key` on creating POSTs: a retry with the same key returns the first answer. */
export const idempotencyKey = z.object({
  'idempotency-key': z
    .string()
    .max(200)
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description:
        'Any unique string; a retry with the same key and body returns the first answer.',
      example: '6f1c2b0a-create-crm-connection',
    }),
});
