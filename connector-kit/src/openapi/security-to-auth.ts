import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';

type Document = OpenAPIV3.Document | OpenAPIV3_1.Document;
type Scheme = OpenAPIV3.SecuritySchemeObject | OpenAPIV3_1.SecuritySchemeObject;

/**
 * The auth a generated connector declares: the `auth` object as a plain value, and notes for the
 * author about schemes it could not express.
 *
 * @example
 * ```ts
 * const { auth, notes } = securityToAuth(document, ['repo']);
 * ```
 */
export interface GeneratedAuth {
  readonly auth: Record<string, unknown>;
  readonly notes: readonly string[];
}

/**
 * An auth chosen on the command line (`--auth`), overriding the document's schemes: `none`,
 * `bearer`, `basic`, `header:<Name>` or `query:<name>` (an API key).
 *
 * @example
 * ```ts
 * parseAuthOption('header:X-Api-Key'); // { kind: 'apiKey', in: 'header', name: 'X-Api-Key' }
 * ```
 */
export function parseAuthOption(option: string): Record<string, unknown> | undefined {
  if (option === 'none' || option === 'bearer' || option === 'basic') return { kind: option };
  const m = /^(header|query):(.+)$/.exec(option);
  return m ? { kind: 'apiKey', in: m[1], name: m[2] } : undefined;
}

function fromScheme(name: string, scheme: Scheme, scopes: readonly string[]): GeneratedAuth {
  switch (scheme.type) {
    case 'apiKey':
      if (scheme.in === 'cookie') {
        return {
          auth: { kind: 'apiKey', in: 'header', name: 'Cookie', prefix: `${scheme.name}=` },
          notes: [
            `security scheme "${name}" is a cookie: the key is sent as "Cookie: ${scheme.name}=<key>"`,
          ],
        };
      }
      return { auth: { kind: 'apiKey', in: scheme.in, name: scheme.name }, notes: [] };
    case 'http': {
      const kind = scheme.scheme.toLowerCase();
      if (kind === 'basic' || kind === 'bearer') return { auth: { kind }, notes: [] };
      return {
        auth: { kind: 'apiKey', in: 'header', name: 'Authorization', prefix: `${scheme.scheme} ` },
        notes: [
          `security scheme "${name}" is HTTP ${scheme.scheme}: the key is sent after "${scheme.scheme} "`,
        ],
      };
    }
    case 'oauth2': {
      const flows = scheme.flows;
      if (flows.authorizationCode) {
        return {
          auth: {
            kind: 'oauth2',
            grant: 'authorizationCode',
            authorizeUrl: flows.authorizationCode.authorizationUrl,
            tokenUrl: flows.authorizationCode.tokenUrl,
            scopes,
          },
          notes: [],
        };
      }
      if (flows.clientCredentials) {
        return {
          auth: {
            kind: 'oauth2',
            grant: 'clientCredentials',
            tokenUrl: flows.clientCredentials.tokenUrl,
            scopes,
          },
          notes: [],
        };
      }
      return {
        auth: { kind: 'bearer' },
        notes: [
          `security scheme "${name}" uses an OAuth 2.0 flow Junction does not run (implicit or password): a bearer token is asked for instead`,
        ],
      };
    }
    default:
      return {
        auth: { kind: 'bearer' },
        notes: [
          `security scheme "${name}" (${scheme.type}) is not one Junction runs: a bearer token is asked for instead`,
        ],
      };
  }
}

/**
 * Maps a document's security to a connector auth: the first requirement of the document (or of
 * the chosen operations) whose scheme is declared, with the scopes those operations ask for.
 * API keys in a header or query, HTTP basic and bearer, and OAuth 2.0 authorization-code and
 * client-credentials flows map one to one; others fall back with a note. No scheme gives
 * `{ kind: 'none' }` and a note.
 *
 * @example
 * ```ts
 * securityToAuth(document, operations.map((o) => o.security)).auth; // { kind: 'bearer' }
 * ```
 */
export function securityToAuth(
  document: Document,
  requirements: readonly (readonly Record<string, readonly string[]>[] | undefined)[],
): GeneratedAuth {
  const schemes = (document.components?.securitySchemes ?? {}) as Record<string, Scheme>;
  const all = [...requirements.flatMap((r) => r ?? []), ...(document.security ?? [])];
  const scopes = new Map<string, Set<string>>();
  for (const requirement of all) {
    for (const [name, list] of Object.entries(requirement)) {
      const set = scopes.get(name) ?? new Set<string>();
      for (const scope of list) set.add(scope);
      scopes.set(name, set);
    }
  }
  const chosen =
    [...scopes.keys()].find((name) => schemes[name] !== undefined) ?? Object.keys(schemes)[0];
  if (chosen === undefined) {
    return {
      auth: { kind: 'none' },
      notes: [
        'the document declares no security scheme: auth is "none" (choose one with --auth or edit src/index.ts)',
      ],
    };
  }
  const result = fromScheme(
    chosen,
    schemes[chosen] as Scheme,
    [...(scopes.get(chosen) ?? [])].sort(),
  );
  const others = Object.keys(schemes).filter((n) => n !== chosen);
  const notes = others.length > 0 ? [`security schemes not used: ${others.join(', ')}`] : [];
  return { auth: result.auth, notes: [...result.notes, ...notes] };
}
