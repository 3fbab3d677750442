import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { actorOf, roles } from '../../auth/principal.js';
import { createApiToken, revokeApiToken, tokenScopeProblems } from '../../auth/token-admin.js';
import type { ApiToken, Database } from '../../db/schema.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { problemResponses } from '../openapi-schemas.js';
import {
  createdAfter,
  creationPosition,
  decodeCursor,
  PageQuerySchema,
  pageOf,
} from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';

const security = [{ bearerAuth: [] }];

const TokenSchema = z
  .object({
    id: z.string().openapi({ example: 'tok_5f0c6f1e-3b8e-4c59-9d1a-7a2b5f1c9e20' }),
    name: z.string().openapi({ example: 'deploy pipeline' }),
    role: z.enum(roles),
    createdAt: z.string().openapi({ format: 'date-time' }),
    createdBy: z.string().nullable(),
    revokedAt: z.string().nullable().openapi({ format: 'date-time' }),
    integrations: z.array(z.string()).nullable().openapi({
      description: 'The integrations the token is limited to (reviewer tokens); null: all.',
    }),
  })
  .openapi('Token');

const CreateTokenSchema = z
  .object({
    name: z.string().min(1).max(200).openapi({ example: 'deploy pipeline' }),
    role: z.enum(roles).openapi({ example: 'reviewer' }),
    integrations: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(500)
      .optional()
      .openapi({
        description:
          'For a reviewer token: the integrations whose review queue it sees and decides (and nothing else). Omitted: all integrations.',
        example: ['int_0b7e4c2a-51d3-4a8e-9d1c-3f2e1a0b9c8d'],
      }),
  })
  .strict()
  .openapi('CreateToken');

const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().openapi({ description: 'The bearer token. Shown only in this answer.' }),
}).openapi('CreatedToken');

const MeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(roles),
    integrations: z.array(z.string()).nullable(),
  })
  .openapi('Principal');

function toJson(row: ApiToken) {
  return {
    id: row.id,
    name: row.name,
    role: row.role as (typeof roles)[number],
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
    integrations: row.integrations ?? null,
  };
}

const me = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['tokens'],
  summary: 'The principal of the bearer token sent',
  security,
  responses: {
    200: { description: 'Who you are.', content: { 'application/json': { schema: MeSchema } } },
    ...problemResponses(401),
  },
});

const createToken = createRoute({
  method: 'post',
  path: '/v1/tokens',
  tags: ['tokens'],
  summary: 'Create an API token (the token is shown once)',
  security,
  middleware: [requirePermission('tokens:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: CreateTokenSchema } } },
  },
  responses: {
    201: {
      description: 'Created.',
      content: { 'application/json': { schema: CreatedTokenSchema } },
    },
    ...problemResponses(400, 401, 403, 413, 422),
  },
});

/** A scope is for reviewer tokens, and names integrations that exist (422 otherwise). */
async function checkScope(
  db: Kysely<Database>,
  body: { role: (typeof roles)[number]; integrations?: string[] | undefined },
): Promise<void> {
  const errors = (await tokenScopeProblems(db, body)).map((p) => ({ in: 'body' as const, ...p }));
  if (errors.length > 0)
    throw new HttpProblem(
      problem(422, `The request body has ${errors.length} problem(s).`, { errors }),
    );
}

const listTokens = createRoute({
  method: 'get',
  path: '/v1/tokens',
  tags: ['tokens'],
  summary: 'List API tokens (never their secret), oldest first',
  security,
  middleware: [requirePermission('tokens:manage')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: {
      description: 'A page of tokens.',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(TokenSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...problemResponses(400, 401, 403, 422),
  },
});

const revokeToken = createRoute({
  method: 'delete',
  path: '/v1/tokens/{id}',
  tags: ['tokens'],
  summary: 'Revoke an API token (revoking a revoked token changes nothing)',
  security,
  middleware: [requirePermission('tokens:manage')] as const,
  request: { params: z.object({ id: z.string().min(1).max(200) }) },
  responses: {
    200: { description: 'Revoked.', content: { 'application/json': { schema: TokenSchema } } },
    ...problemResponses(401, 403, 404),
  },
});

/** `/v1/me` and `/v1/tokens`: who is calling, and the tokens that can call. */
export function registerTokenRoutes(app: OpenAPIHono<AppEnv>, db: Kysely<Database>): void {
  app.openapi(me, (c) => {
    const { id, name, role, integrations } = c.get('principal');
    return c.json({ id, name, role, integrations: integrations ? [...integrations] : null }, 200);
  });

  app.openapi(createToken, async (c) => {
    const body = c.req.valid('json');
    await checkScope(db, body);
    const { row, token } = await createApiToken(db, body, {
      actor: actorOf(c.get('principal')),
      requestId: c.get('requestId'),
    });
    return c.json({ ...toJson(row), token }, 201);
  });

  app.openapi(listTokens, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor);
    const query = db
      .selectFrom('api_tokens')
      .selectAll()
      .where(createdAfter(after))
      .orderBy('created_at')
      .orderBy('id');
    const rows = await query.limit(limit + 1).execute();
    const page = pageOf(rows, limit, creationPosition);
    return c.json({ data: page.data.map(toJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(revokeToken, async (c) => {
    const { id } = c.req.valid('param');
    const row = await revokeApiToken(db, id, {
      actor: actorOf(c.get('principal')),
      requestId: c.get('requestId'),
    });
    if (!row) throw new HttpProblem(problem(404, `No token with id ${id}.`));
    return c.json(toJson(row), 200);
  });
}
