import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { AppEnv } from '../app-env.js';
import { HttpProblem, problem } from '../problem.js';

const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};

/**
 * The folder of swagger-ui's built assets, found from its package file: importing the package
 * would evaluate its browser bundle in Junction's process (about 4 MB of heap held for good).
 */
function assetsFolder(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Junction API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/assets/start.js"></script>
</body>
</html>`;

/**
 * Starts Swagger UI. A script file, not an inline script, so the page's Content-Security-Policy
 * allows only the server's own scripts. The bearer token typed into "Authorize" lives in the
 * page's memory only: `persistAuthorization` stays off, so it is never written to localStorage.
 */
const start = `window.ui = SwaggerUIBundle({
  url: '/openapi.json', dom_id: '#reference', deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'BaseLayout',
  persistAuthorization: false,
});
`;

/** `/openapi.json` (generated from the routes) and `/docs`, an interactive reference served offline. */
export function registerDocsRoutes(
  app: OpenAPIHono<AppEnv>,
  document: () => OpenAPIV3_1.Document,
): void {
  let cached: string | undefined;
  let folder: string | undefined;
  app.get('/openapi.json', (c) => {
    cached ??= JSON.stringify(document());
    return c.body(cached, 200, { 'Content-Type': 'application/json' });
  });
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    if (file === 'start.js') {
      return c.body(start, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    }
    const type = assets[file];
    if (!type) throw new HttpProblem(problem(404, `No asset named ${file}.`));
    folder ??= assetsFolder();
    const body = await readFile(path.join(folder, file));
    return c.body(body, 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
}
