import type { InputProblem } from '@junction/connector-kit';

/**
 * Reads the review edit form back into an input: one text field per top-level member of the
 * proposal (`f.<name>`), typed like the value it replaces (numbers, booleans, JSON for objects
 * and arrays). Text that cannot be read as that type stays text, so the action's own checks
 * say what is wrong with it; JSON that does not parse is a problem of its field.
 */
export function editedInput(
  proposal: Record<string, unknown>,
  form: Record<string, unknown>,
): { input: Record<string, unknown>; problems: InputProblem[] } {
  const input: Record<string, unknown> = {};
  const problems: InputProblem[] = [];
  for (const [name, was] of Object.entries(proposal)) {
    const raw = form[`f.${name}`];
    if (typeof raw !== 'string') {
      input[name] = was;
      continue;
    }
    const text = raw.trim();
    if (was !== null && typeof was === 'object') {
      try {
        input[name] = JSON.parse(text);
      } catch {
        problems.push({ pointer: `/${name}`, message: 'is not valid JSON' });
      }
    } else if (typeof was === 'number') {
      input[name] = text !== '' && Number.isFinite(Number(text)) ? Number(text) : raw;
    } else if (typeof was === 'boolean') {
      input[name] = text === 'true' ? true : text === 'false' ? false : raw;
    } else if (was === null && text === '') {
      input[name] = null;
    } else {
      input[name] = raw;
    }
  }
  return { input, problems };
}

/** A field's value as the edit form shows it. */
export function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The top-level member a problem's JSON pointer is about ('' for the whole input). */
export function fieldOf(pointer: string): string {
  const first = pointer.split('/')[1] ?? '';
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}
