import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CONTRACT_VERSION } from '../contract-version.js';
import { generateConnector } from '../openapi/generate-connector.js';
import { loadOpenApiDocument, OpenApiDocumentError } from '../openapi/load-openapi-document.js';
import { parseAuthOption } from '../openapi/security-to-auth.js';
import { selectOperations } from '../openapi/select-operations.js';
import { CliError } from './cli-error.js';
import { kitVersion } from './init-command.js';
import { packageFiles } from './templates.js';

/**
 * Options of `junction-kit from-openapi`.
 *
 * @example
 * ```ts
 * const options: FromOpenApiOptions = { operations: 'issues/create,issues/get', out: './github', id: 'github', auth: 'bearer' };
 * ```
 */
export interface FromOpenApiOptions {
  readonly operations?: string;
  readonly out?: string;
  readonly id?: string;
  readonly auth?: string;
}

/**
 * What `from-openapi` wrote.
 *
 * @example
 * ```ts
 * const { dir, actions, bytes } = await fromOpenApiCommand('openapi.json', {});
 * ```
 */
export interface FromOpenApiResult {
  readonly dir: string;
  readonly actions: number;
  readonly paginated: number;
  readonly files: number;
  readonly bytes: number;
  readonly notes: readonly string[];
}

function kebab(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, 'api-$1');
}

/**
 * `junction-kit from-openapi <spec>`: generates a connector package from an OpenAPI 3.0/3.1
 * document into `out` (default `./<id>`), one action per chosen operation. Refuses a bad
 * document, unknown operations, a bad `--auth` or a non-empty folder with a sentence.
 *
 * @example
 * ```ts
 * await fromOpenApiCommand('api.github.com.json', { operations: 'issues/*', id: 'github', auth: 'bearer' });
 * ```
 */
export async function fromOpenApiCommand(
  spec: string,
  options: FromOpenApiOptions,
): Promise<FromOpenApiResult> {
  const auth = options.auth === undefined ? undefined : parseAuthOption(options.auth);
  if (options.auth !== undefined && auth === undefined) {
    throw new CliError(
      `--auth "${options.auth}" is not one of none, bearer, basic, header:<Name>, query:<name>.`,
      2,
    );
  }
  if (options.id !== undefined && !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(options.id)) {
    throw new CliError(`--id "${options.id}" is not lowercase kebab-case, like "acme-crm".`, 2);
  }
  let document: Awaited<ReturnType<typeof loadOpenApiDocument>>;
  try {
    document = await loadOpenApiDocument(resolve(spec));
  } catch (error) {
    if (error instanceof OpenApiDocumentError) throw new CliError(error.message, 2);
    throw error;
  }
  const { operations, unknown } = selectOperations(document, options.operations);
  if (unknown.length > 0) {
    throw new CliError(
      `${basename(spec)} has no operation matching ${unknown.map((u) => `"${u}"`).join(', ')} (give operation ids, patterns like "issues/*", or "tag:<name>").`,
      2,
    );
  }
  if (operations.length === 0) throw new CliError(`${basename(spec)} has no operations.`, 2);
  const id = options.id ?? kebab(document.info.title);
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) {
    throw new CliError(
      `The title "${document.info.title}" gives no usable connector id; pass --id.`,
      2,
    );
  }
  const dir = resolve(options.out ?? id);
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new CliError(`${dir} already exists and is not empty; choose another folder with --out.`);
  }
  const contractRange = `^${CONTRACT_VERSION}`;
  const generated = generateConnector(document, operations, {
    id,
    contractRange,
    ...(auth ? { auth } : {}),
  });
  const files = {
    ...packageFiles({
      id,
      title: document.info.title,
      kitRange: `^${await kitVersion()}`,
      contractRange,
    }),
    ...generated.files,
  };
  let bytes = 0;
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
    bytes += Buffer.byteLength(content);
  }
  return {
    dir,
    actions: generated.actions.length,
    paginated: generated.actions.filter((a) => a.pagination !== undefined).length,
    files: Object.keys(files).length,
    bytes,
    notes: generated.notes,
  };
}
