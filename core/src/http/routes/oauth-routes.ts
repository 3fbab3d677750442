import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf } from '../../auth/principal.js';
import type { ConnectionStore } from '../../connections/connection-store.js';
import {
  OAUTH_CALLBACK_PATH,
  type OAuthAuthorizations,
} from '../../connections/oauth-authorizations.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, problemResponses } from '../openapi-schemas.js';
import { HttpProblem, problem } from '../problem.js';

const ConsentSchema = z
  .object({
    authorizeUrl: z.string().openapi({
      description: "The system's consent page; send the user there.",
      example:
        'https://crm.example.com/oauth/authorize?response_type=code&client_id=junction&redirect_uri=https%3A%2F%2Fjunction.example.com%2Foauth%2Fcallback&scope=contacts&state=q2R...&code_challenge=E9M...&code_challenge_method=S256',
    }),
    redirectUri: z.string().openapi({ example: 'https://junction.example.com/oauth/callback' }),
    expiresAt: z
      .string()
      .openapi({ format: 'date-time', description: 'The URL is good until then, once.' }),
  })
  .openapi('OAuthConsent');

const AuthorizedSchema = z
  .object({ connection: z.string(), authorized: z.literal(true) })
  .openapi('OAuthAuthorized', {
    example: { connection: 'con_6c1d1f0e-9a53-4f0c-8f57-1d0a2b3c4d5e', authorized: true },
  });

const routes = {
  authorize: createRoute({
    method: 'post',
    path: '/v1/connections/{id}/oauth/authorize',
    tags: ['connections'],
    security,
    summary: 'Start the OAuth 2.0 authorization-code grant of a connection: its consent URL',
    description:
      "For connectors whose auth is OAuth 2.0 with the authorization-code grant. The URL carries a single-use state and a PKCE (S256) challenge and is good for 10 minutes; the system redirects the user to /oauth/callback under JUNCTION_PUBLIC_URL, where the connection's tokens are stored. Set the connection's clientId and clientSecret first.",
    middleware: [requirePermission('config:write')] as const,
    request: { params: IdParamSchema },
    responses: {
      200: { description: 'The consent URL.', content: jsonContent(ConsentSchema) },
      ...problemResponses(401, 403, 404, 409),
    },
  }),
  callback: createRoute({
    method: 'get',
    path: OAUTH_CALLBACK_PATH,
    tags: ['connections'],
    summary: "Where the system redirects after consent: the code becomes the connection's tokens",
    description:
      'Open route: the single-use state from the consent URL is the proof (no bearer token). The code is exchanged with its PKCE verifier; the tokens are stored encrypted with an audit entry. An unknown, used or expired state, a refusal by the user or the token endpoint answer 400 and change nothing.',
    request: {
      query: z.object({
        state: z.string().max(500).optional(),
        code: z.string().max(4000).optional(),
        error: z.string().max(500).optional(),
        error_description: z.string().max(2000).optional(),
      }),
    },
    responses: {
      200: { description: 'The connection is authorized.', content: jsonContent(AuthorizedSchema) },
      ...problemResponses(400),
    },
  }),
};

/** The authorization-code grant's two routes: the consent URL, and the redirect back. */
export function registerOAuthRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: {
    store: ConnectionStore;
    oauth: OAuthAuthorizations;
    publicUrl: () => string | undefined;
  },
): void {
  app.openapi(routes.authorize, async (c) => {
    const { id } = c.req.valid('param');
    const row = await deps.store.get(id);
    if (!row) throw new HttpProblem(problem(404, `No connection with id ${id}.`));
    const base = deps.publicUrl();
    if (!base) {
      throw new HttpProblem(
        problem(409, 'Junction does not know its public URL: set JUNCTION_PUBLIC_URL.'),
      );
    }
    const consent = await deps.oauth.start(row, {
      redirectUri: `${base}${OAUTH_CALLBACK_PATH}`,
      by: { actor: actorOf(c.get('principal')), requestId: c.get('requestId') },
    });
    return c.json(consent, 200);
  });

  app.openapi(routes.callback, async (c) => {
    const q = c.req.valid('query');
    const connection = await deps.oauth.complete({
      ...(q.state ? { state: q.state } : {}),
      ...(q.code ? { code: q.code } : {}),
      ...(q.error ? { error: q.error } : {}),
      ...(q.error_description ? { errorDescription: q.error_description } : {}),
    });
    return c.json({ connection, authorized: true as const }, 200);
  });
}
