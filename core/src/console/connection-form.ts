import type { AnyField, FieldSet } from '@junction/connector-kit';
import type { ConnectionInput, ConnectionView } from '../connections/connection-store.js';
import { fieldOf, fieldText } from './review-form.js';

/** What the edit form asks to change, and what it found wrong (by form field name). */
export interface ConnectionForm {
  readonly input: ConnectionInput;
  readonly problems: Readonly<Record<string, string>>;
}

/** Typed text as the field's kind (numbers, booleans, JSON); text that cannot be stays text. */
function typed(field: AnyField, text: string): { value: unknown } | { problem: string } {
  switch (field.kind) {
    case 'number':
    case 'integer':
      return { value: text !== '' && Number.isFinite(Number(text)) ? Number(text) : text };
    case 'boolean':
      return { value: text === 'true' ? true : text === 'false' ? false : text };
    case 'object':
    case 'array':
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { problem: 'is not valid JSON' };
      }
    default:
      return { value: text };
  }
}

/**
 * Reads the connection edit form: `name`, `settings` (a JSON object), each non-secret credential
 * as `credential.<name>` (an empty one unsets it), each secret as `secret.<name>` (empty keeps the
 * stored value, a new value replaces it) or ticked in `unset` to remove it. Only what changed is
 * sent, as the API's PATCH would.
 */
export function readConnectionForm(
  fields: FieldSet,
  view: ConnectionView,
  form: Record<string, unknown>,
): ConnectionForm {
  const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
  const problems: Record<string, string> = {};
  const credentials: Record<string, unknown> = {};
  const unset = new Set([form.unset ?? []].flat().filter((v) => typeof v === 'string'));
  for (const [name, field] of Object.entries(fields)) {
    if (field.secret) {
      const given = text(`secret.${name}`);
      if (given !== '') credentials[name] = given;
      else if (unset.has(name) && view.secrets[name] === 'set') credentials[name] = null;
      continue;
    }
    const raw = text(`credential.${name}`).trim();
    if (raw === fieldText(view.credentials[name])) continue;
    if (raw === '') {
      credentials[name] = null;
      continue;
    }
    const value = typed(field, raw);
    if ('problem' in value) problems[`credential.${name}`] = value.problem;
    else credentials[name] = value.value;
  }
  let settings: Record<string, unknown> | undefined;
  const settingsText = text('settings').trim();
  try {
    const parsed: unknown = JSON.parse(settingsText === '' ? '{}' : settingsText);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      problems.settings = 'must be a JSON object';
    else if (JSON.stringify(parsed) !== JSON.stringify(view.settings))
      settings = parsed as Record<string, unknown>;
  } catch {
    problems.settings = 'is not valid JSON';
  }
  const name = text('name').trim();
  if (name === '' || name.length > 200) problems.name = 'must be 1 to 200 characters';
  return {
    input: {
      ...(name !== view.name ? { name } : {}),
      ...(Object.keys(credentials).length > 0 ? { credentials } : {}),
      ...(settings ? { settings } : {}),
    },
    problems,
  };
}

/** The form field a problem of the API's body (its JSON pointer) belongs to. */
export function formFieldOf(pointer: string, fields: FieldSet): string {
  const [, top, member] = pointer.split('/');
  if (top === 'credentials' && member !== undefined) {
    const name = fieldOf(`/${member}`);
    return fields[name]?.secret ? `secret.${name}` : `credential.${name}`;
  }
  return top === 'settings' ? 'settings' : 'name';
}
