import { type AuthDefinition, authFields } from './auth.js';
import { CONTRACT_VERSION } from './contract-version.js';
import type { ConnectorDefinition } from './define-connector.js';
import { fieldsToJsonSchema, type JsonSchema } from './fields-to-json-schema.js';
import { type RecordCapability, recordCapabilities } from './record-type.js';

/**
 * The file name `pack` writes the manifest to, at the package root.
 *
 * @example
 * ```ts
 * await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(buildManifest(connector)));
 * ```
 */
export const MANIFEST_FILE = 'junction.manifest.json';

/**
 * The JSON manifest the registry reads without running plugin code.
 *
 * @example
 * ```ts
 * const manifest = JSON.parse(await readFile('junction.manifest.json', 'utf8')) as ConnectorManifest;
 * ```
 */
export interface ConnectorManifest {
  readonly manifestVersion: 1;
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** The contract range the connector targets. */
  readonly contract: string;
  /** The kit contract version that generated this manifest. */
  readonly builtWith: string;
  readonly homepage?: string;
  readonly baseUrl?: string;
  readonly auth: {
    readonly kind: AuthDefinition['kind'];
    /** Kind-specific settings: header name, OAuth URLs and scopes. */
    readonly settings: Readonly<Record<string, unknown>>;
    /** Credential fields; secrets are `writeOnly: true` and listed in `secrets`. */
    readonly schema: JsonSchema;
    readonly secrets: readonly string[];
    readonly testable: boolean;
  };
  readonly recordTypes: readonly {
    readonly name: string;
    readonly description?: string;
    readonly key: string;
    readonly updatedAt?: string;
    readonly schema: JsonSchema;
    /** The record type's settings fields (contract 1.11), when it declares any. */
    readonly settings?: JsonSchema;
    /** What the record type can do (contract 1.11): list, get, create, update, delete, ...Many. */
    readonly capabilities?: readonly RecordCapability[];
  }[];
  readonly triggers: readonly {
    readonly key: string;
    readonly kind: 'webhook' | 'polling';
    readonly name: string;
    readonly description: string;
    /** The trigger's settings fields (contract 1.1), when it declares any. */
    readonly settings?: JsonSchema;
    readonly output: JsonSchema;
    readonly sample: unknown;
    readonly subscribes?: boolean;
    readonly intervalSeconds?: number;
  }[];
  readonly actions: readonly {
    readonly key: string;
    readonly kind: string;
    readonly name: string;
    readonly description: string;
    readonly idempotent: boolean;
    readonly upsertKey?: string;
    /** When a call that has not answered frees its worker (contract 1.8), if it may. */
    readonly detach?: { readonly afterMs: number };
    /** The action's settings fields (contract 1.1), when it declares any. */
    readonly settings?: JsonSchema;
    readonly input: JsonSchema;
    readonly output: JsonSchema;
    readonly sample: unknown;
  }[];
}

function authSettings(auth: AuthDefinition): Record<string, unknown> {
  switch (auth.kind) {
    case 'apiKey':
      return { in: auth.in, name: auth.name, ...(auth.prefix ? { prefix: auth.prefix } : {}) };
    case 'oauth2':
      return {
        grant: auth.grant,
        ...(auth.authorizeUrl ? { authorizeUrl: auth.authorizeUrl } : {}),
        tokenUrl: auth.tokenUrl,
        scopes: [...auth.scopes],
        clientAuth: auth.clientAuth ?? 'body',
      };
    default:
      return {};
  }
}

/**
 * Generates the manifest from a definition (never written by hand; `junction-kit pack` writes it
 * to `junction.manifest.json`). Plain JSON: no functions, secrets only marked, never valued.
 *
 * @example
 * ```ts
 * await writeFile('junction.manifest.json', JSON.stringify(buildManifest(connector), null, 2));
 * ```
 */
export function buildManifest(connector: ConnectorDefinition): ConnectorManifest {
  const fields = authFields(connector.auth);
  const manifest: ConnectorManifest = {
    manifestVersion: 1,
    id: connector.id,
    name: connector.name,
    description: connector.description,
    version: connector.version,
    contract: connector.contract,
    builtWith: CONTRACT_VERSION,
    ...(connector.homepage ? { homepage: connector.homepage } : {}),
    ...(connector.baseUrl ? { baseUrl: connector.baseUrl } : {}),
    auth: {
      kind: connector.auth.kind,
      settings: authSettings(connector.auth),
      schema: fieldsToJsonSchema(fields),
      secrets: Object.entries(fields)
        .filter(([, f]) => f.secret === true)
        .map(([name]) => name),
      testable: typeof connector.auth.test === 'function',
    },
    recordTypes: (connector.recordTypes ?? []).map((r) => ({
      name: r.name,
      ...(r.description ? { description: r.description } : {}),
      key: r.key,
      ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}),
      schema: fieldsToJsonSchema(r.fields),
      ...(r.settings ? { settings: fieldsToJsonSchema(r.settings) } : {}),
      ...(recordCapabilities(r).length > 0 ? { capabilities: recordCapabilities(r) } : {}),
    })),
    triggers: (connector.triggers ?? []).map((t) => ({
      key: t.key,
      kind: t.kind,
      name: t.name,
      description: t.description,
      ...(t.settings ? { settings: fieldsToJsonSchema(t.settings) } : {}),
      output: fieldsToJsonSchema(t.output),
      sample: t.sample,
      ...(t.kind === 'webhook' ? { subscribes: typeof t.subscribe === 'function' } : {}),
      ...(t.kind === 'polling' && t.intervalSeconds ? { intervalSeconds: t.intervalSeconds } : {}),
    })),
    actions: (connector.actions ?? []).map((a) => ({
      key: a.key,
      kind: a.kind,
      name: a.name,
      description: a.description,
      idempotent: a.idempotent,
      ...(a.upsertKey ? { upsertKey: a.upsertKey } : {}),
      ...(a.detach ? { detach: { afterMs: a.detach.afterMs } } : {}),
      ...(a.settings ? { settings: fieldsToJsonSchema(a.settings) } : {}),
      input: fieldsToJsonSchema(a.input),
      output: fieldsToJsonSchema(a.output),
      sample: a.sample,
    })),
  };
  // Round-trip through JSON so the result is exactly what the file will hold.
  return JSON.parse(JSON.stringify(manifest)) as ConnectorManifest;
}
