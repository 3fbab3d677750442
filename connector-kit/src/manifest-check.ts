import { isContractSupported } from './contract-version.js';
import type { ConnectorDefinition } from './define-connector.js';
import { buildManifest, type ConnectorManifest } from './manifest.js';
import type { DefinitionProblem } from './validate-connector.js';

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Object.is(a, b)) return;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    out.push(path);
    return;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(path);
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    diff(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}/${escapePointer(key)}`,
      out,
    );
  }
}

/**
 * The JSON pointers where a stored manifest differs from the one the definition generates
 * (empty when they agree). The registry uses it to refuse a package whose manifest drifted.
 *
 * @example
 * ```ts
 * const drift = manifestDrift(JSON.parse(manifestText), loadedConnector); // ['/actions/0/input/required']
 * ```
 */
export function manifestDrift(manifest: unknown, connector: ConnectorDefinition): string[] {
  const out: string[] = [];
  const { builtWith: _ignored, ...generated } = buildManifest(connector);
  const { builtWith: _alsoIgnored, ...stored } = (manifest ?? {}) as Record<string, unknown>;
  diff(stored, generated, '', out);
  return out;
}

/**
 * Checks that a manifest read from a package has the shape the registry relies on, without
 * running plugin code: every problem with a JSON pointer.
 *
 * @example
 * ```ts
 * const problems = checkManifest(JSON.parse(await readFile('junction.manifest.json', 'utf8')));
 * ```
 */
export function checkManifest(value: unknown): DefinitionProblem[] {
  const out: DefinitionProblem[] = [];
  if (typeof value !== 'object' || value === null) {
    return [{ path: '', message: 'the manifest must be a JSON object' }];
  }
  const m = value as Partial<Record<keyof ConnectorManifest, unknown>>;
  if (m.manifestVersion !== 1) out.push({ path: '/manifestVersion', message: 'must be 1' });
  if (typeof m.id !== 'string' || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(m.id)) {
    out.push({ path: '/id', message: 'must be lowercase kebab-case' });
  }
  for (const key of ['name', 'description'] as const) {
    if (typeof m[key] !== 'string') out.push({ path: `/${key}`, message: 'must be a string' });
  }
  if (typeof m.version !== 'string' || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(m.version)) {
    out.push({ path: '/version', message: 'must be a semver version' });
  }
  if (typeof m.contract !== 'string' || !isContractSupported(m.contract)) {
    out.push({
      path: '/contract',
      message: `contract ${JSON.stringify(m.contract)} is not supported`,
    });
  }
  const auth = m.auth as { kind?: unknown } | undefined;
  if (typeof auth?.kind !== 'string') out.push({ path: '/auth/kind', message: 'must be a string' });
  for (const key of ['recordTypes', 'triggers', 'actions'] as const) {
    if (!Array.isArray(m[key])) out.push({ path: `/${key}`, message: 'must be an array' });
  }
  return out;
}
