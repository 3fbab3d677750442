import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles } from '../../core/src/auth/principal.js';
import {
  type AccessRule,
  accessRuleOf,
  ruleAllows,
} from '../../core/src/http/middleware/require-role.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { auditRows, createToken } from './audit-support.js';

/** Routes under /v1 any authenticated principal may call. */
const openToEveryone = new Set(['GET /v1/me']);

let junction: TestJunction;
const tokens = new Map<string, { id: string; token: string }>();
interface RouteCase {
  readonly method: string;
  readonly path: string;
  readonly rule: AccessRule | undefined;
}
let routes: RouteCase[] = [];

beforeAll(async () => {
  junction = await startTestJunction();
  for (const role of roles) tokens.set(role, await createToken(junction, role));
  const served = await junction.request('/openapi.json');
  expect(served.status, 'GET /openapi.json').toBe(200);
  const document = (await served.json()) as { paths: Record<string, Record<string, unknown>> };
  const app = junction.junction.app;
  if (!app) throw new Error('the test junction serves no API');
  // The access middleware each route was registered with, by METHOD and Hono path.
  const rules = new Map<string, AccessRule>();
  for (const route of app.routes) {
    const rule = accessRuleOf(route.handler);
    if (rule) rules.set(`${route.method} ${route.path}`, rule);
  }
  routes = Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({
          method: m.toUpperCase(),
          path,
          rule: rules.get(`${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
        })),
    );
});

afterAll(async () => {
  await junction?.close();
});

function call(route: RouteCase, token: string): Promise<Response> {
  const url = route.path.replace(/\{[^}]+\}/g, 'role-check-probe');
  const hasBody = !['GET', 'DELETE'].includes(route.method);
  return junction.request(url, {
    method: route.method,
    token,
    headers: hasBody ? { 'content-type': 'application/json', 'if-match': '"0"' } : {},
    body: hasBody ? '{}' : undefined,
  });
}

describe('role checks on every /v1 route of the OpenAPI document', () => {
  it('finds the routes, and every route that changes something declares its access rule', () => {
    expect(routes.length).toBeGreaterThan(5);
    // A GET without a rule is open to every token, like `read`; anything else must say.
    const undeclared = routes
      .filter((r) => r.method !== 'GET' && !r.rule && !openToEveryone.has(`${r.method} ${r.path}`))
      .map((r) => `${r.method} ${r.path}`);
    expect(undeclared, 'non-GET routes without requirePermission(...)').toEqual([]);
  });

  it('refuses the viewer (403) on every non-GET route that needs more than read', async () => {
    const viewer = tokens.get('viewer')?.token as string;
    const writes = routes.filter(
      (r) => r.method !== 'GET' && !(r.rule && ruleAllows(r.rule, 'viewer')),
    );
    expect(writes.length).toBeGreaterThan(3);
    const before = (await auditRows(junction.database.url)).length;
    const wrong: string[] = [];
    for (const route of writes) {
      const response = await call(route, viewer);
      if (response.status !== 403) wrong.push(`${route.method} ${route.path}: ${response.status}`);
      else expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect(wrong).toEqual([]);
    // Each refusal left exactly one access.denied entry, and nothing else changed.
    const added = (await auditRows(junction.database.url)).slice(before);
    expect(added.map((r) => r.action)).toEqual(writes.map(() => 'access.denied'));
    expect(added.map((r) => r.actor)).toEqual(
      writes.map(() => `token:${tokens.get('viewer')?.id}`),
    );
  });

  it('answers every role on every route as the permission table says', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      if (!route.rule) continue;
      for (const role of roles) {
        const response = await call(route, tokens.get(role)?.token as string);
        const allowed = ruleAllows(route.rule, role);
        if (allowed === (response.status === 403)) {
          wrong.push(`${role} ${route.method} ${route.path}: ${response.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
