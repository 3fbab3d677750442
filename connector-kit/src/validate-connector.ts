import { checkFieldSet } from './check-field-set.js';
import { isContractSupported } from './contract-version.js';
import type { ConnectorDefinition } from './define-connector.js';
import type { FieldSet } from './field.js';
import { RECORD_CAPABILITIES } from './record-type.js';
import { validateFields } from './validate-fields.js';

/**
 * One problem in a connector definition, located by a JSON pointer into it.
 *
 * @example
 * ```ts
 * // { path: '/actions/1/key', message: 'duplicate key "create-contact"' }
 * ```
 */
export interface DefinitionProblem {
  readonly path: string;
  readonly message: string;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const RECORD_NAME = /^[a-z][a-z0-9]*([_-][a-z0-9]+)*$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const ACTION_KINDS = new Set(['create', 'update', 'upsert', 'delete', 'search', 'custom']);
function checkSample(fields: FieldSet, sample: unknown, path: string, out: DefinitionProblem[]) {
  if (sample === undefined) {
    out.push({ path, message: 'a sample is required' });
    return;
  }
  for (const problem of validateFields(fields, sample).problems) {
    out.push({ path: `${path}${problem.pointer}`, message: `sample ${problem.message}` });
  }
}

function checkKeys(
  items: readonly { key?: unknown; name?: unknown }[],
  prop: 'key' | 'name',
  path: string,
  pattern: RegExp,
  out: DefinitionProblem[],
) {
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    const value = item[prop];
    if (typeof value !== 'string' || !pattern.test(value)) {
      out.push({
        path: `${path}/${i}/${prop}`,
        message: `${prop} ${JSON.stringify(value)} must be lowercase kebab-case`,
      });
    } else if (seen.has(value)) {
      out.push({ path: `${path}/${i}/${prop}`, message: `duplicate ${prop} "${value}"` });
    }
    seen.add(value);
  });
}

/**
 * Returns every problem of a connector definition (never throws): bad ids and keys, duplicates,
 * missing handlers, record `key`/`updatedAt` that are not fields, unsupported contract, samples
 * that do not match their fields, field defaults and examples that do not match their field (in
 * inputs, outputs, settings and credentials). An empty list means valid.
 *
 * @example
 * ```ts
 * for (const p of validateConnector(connector)) console.error(`${p.path}: ${p.message}`);
 * ```
 */
export function validateConnector(connector: ConnectorDefinition): DefinitionProblem[] {
  const out: DefinitionProblem[] = [];
  const c = connector as Partial<ConnectorDefinition>;
  if (typeof c.id !== 'string' || !KEBAB.test(c.id)) {
    out.push({ path: '/id', message: 'id must be lowercase kebab-case, like "acme-crm"' });
  }
  for (const key of ['name', 'description'] as const) {
    if (typeof c[key] !== 'string' || c[key].trim() === '')
      out.push({ path: `/${key}`, message: `${key} is required` });
  }
  if (typeof c.version !== 'string' || !SEMVER.test(c.version)) {
    out.push({ path: '/version', message: 'version must be a semver version like "1.0.0"' });
  }
  if (typeof c.contract !== 'string' || !isContractSupported(c.contract)) {
    out.push({
      path: '/contract',
      message: `contract ${JSON.stringify(c.contract)} is not supported by this kit`,
    });
  }
  const auth = c.auth;
  const kinds = ['none', 'apiKey', 'basic', 'bearer', 'oauth2', 'custom'];
  if (!auth || !kinds.includes(auth.kind)) {
    out.push({ path: '/auth/kind', message: `auth kind must be one of ${kinds.join(', ')}` });
  } else {
    if (auth.kind === 'apiKey' && !auth.name)
      out.push({ path: '/auth/name', message: 'the API key needs a header or query name' });
    if (auth.kind === 'apiKey' && auth.in !== 'header' && auth.in !== 'query')
      out.push({ path: '/auth/in', message: 'must be "header" or "query"' });
    if (auth.kind === 'oauth2') {
      if (!auth.tokenUrl) out.push({ path: '/auth/tokenUrl', message: 'tokenUrl is required' });
      if (auth.grant === 'authorizationCode' && !auth.authorizeUrl)
        out.push({
          path: '/auth/authorizeUrl',
          message: 'authorizeUrl is required for the authorizationCode grant',
        });
      if (auth.grant !== 'authorizationCode' && auth.grant !== 'clientCredentials')
        out.push({
          path: '/auth/grant',
          message: 'grant must be "authorizationCode" or "clientCredentials"',
        });
    }
    if (auth.kind === 'custom') checkFieldSet(auth.fields, '/auth/fields', out);
    checkWebhookSecretOption(auth.webhookSecret, out);
    if (auth.test !== undefined && typeof auth.test !== 'function')
      out.push({ path: '/auth/test', message: 'test must be a function' });
  }

  const records = c.recordTypes ?? [];
  checkKeys(records, 'name', '/recordTypes', RECORD_NAME, out);
  records.forEach((r, i) => {
    const p = `/recordTypes/${i}`;
    if (!checkFieldSet(r.fields, `${p}/fields`, out)) return;
    if (!(r.key in r.fields))
      out.push({ path: `${p}/key`, message: `key "${r.key}" is not one of the fields` });
    if (r.updatedAt !== undefined && !(r.updatedAt in r.fields))
      out.push({
        path: `${p}/updatedAt`,
        message: `updatedAt "${r.updatedAt}" is not one of the fields`,
      });
    if (r.settings !== undefined) checkFieldSet(r.settings, `${p}/settings`, out);
    for (const name of RECORD_CAPABILITIES)
      if (r[name] !== undefined && typeof r[name] !== 'function')
        out.push({ path: `${p}/${name}`, message: `${name} must be a function` });
  });

  const triggers = c.triggers ?? [];
  checkKeys(triggers, 'key', '/triggers', KEBAB, out);
  triggers.forEach((t, i) => {
    const p = `/triggers/${i}`;
    const handlers =
      t.kind === 'webhook'
        ? (['verify', 'parse'] as const)
        : t.kind === 'polling'
          ? (['poll'] as const)
          : undefined;
    if (!handlers) {
      out.push({ path: `${p}/kind`, message: 'kind must be "webhook" or "polling"' });
      return;
    }
    for (const h of handlers) {
      if (typeof (t as unknown as Record<string, unknown>)[h] !== 'function')
        out.push({ path: `${p}/${h}`, message: `${h} must be a function` });
    }
    if (t.settings !== undefined) checkFieldSet(t.settings, `${p}/settings`, out);
    if (checkFieldSet(t.output, `${p}/output`, out))
      checkSample(t.output, t.sample, `${p}/sample`, out);
  });

  const actions = c.actions ?? [];
  checkKeys(actions, 'key', '/actions', KEBAB, out);
  actions.forEach((a, i) => {
    const p = `/actions/${i}`;
    if (!ACTION_KINDS.has(a.kind))
      out.push({
        path: `${p}/kind`,
        message: `kind must be one of ${[...ACTION_KINDS].join(', ')}`,
      });
    if (typeof a.run !== 'function')
      out.push({ path: `${p}/run`, message: 'run must be a function' });
    if (typeof a.idempotent !== 'boolean')
      out.push({ path: `${p}/idempotent`, message: 'idempotent must be true or false' });
    if (a.detach !== undefined) checkDetach(a.detach, `${p}/detach`, out);
    if (a.settings !== undefined) checkFieldSet(a.settings, `${p}/settings`, out);
    const inputOk = checkFieldSet(a.input, `${p}/input`, out);
    if (a.kind === 'upsert' && a.upsertKey === undefined)
      out.push({ path: `${p}/upsertKey`, message: 'an upsert action needs an upsertKey' });
    if (inputOk && a.upsertKey !== undefined && !(a.upsertKey in a.input))
      out.push({
        path: `${p}/upsertKey`,
        message: `upsertKey "${a.upsertKey}" is not an input field`,
      });
    if (checkFieldSet(a.output, `${p}/output`, out))
      checkSample(a.output, a.sample, `${p}/sample`, out);
  });
  return out;
}

function checkDetach(detach: unknown, path: string, out: DefinitionProblem[]): void {
  const afterMs = (detach as { afterMs?: unknown } | null)?.afterMs;
  if (typeof detach !== 'object' || detach === null || Array.isArray(detach))
    out.push({ path, message: 'detach must be { afterMs }' });
  else if (typeof afterMs !== 'number' || !Number.isInteger(afterMs) || afterMs < 0)
    out.push({
      path: `${path}/afterMs`,
      message: 'afterMs must be a whole number of ms, 0 or more',
    });
}

function checkWebhookSecretOption(option: unknown, out: DefinitionProblem[]): void {
  if (option === undefined || typeof option === 'boolean') return;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    out.push({
      path: '/auth/webhookSecret',
      message: 'must be true, false or { required, scheme }',
    });
    return;
  }
  const { required, scheme } = option as { required?: unknown; scheme?: unknown };
  if (required !== undefined && typeof required !== 'boolean')
    out.push({ path: '/auth/webhookSecret/required', message: 'must be true or false' });
  if (scheme !== undefined && scheme !== 'standard' && scheme !== 'any')
    out.push({ path: '/auth/webhookSecret/scheme', message: 'must be "standard" or "any"' });
}
