import type { ConnectorDefinition } from '@junction/connector-kit';

/**
 * A connector definition as data, for the engine of a plugin that runs in a host process: every
 * value the structured clone of an IPC message can carry, with its functions listed by JSON
 * pointer instead (they stay in the host).
 */
export interface DefinitionDescriptor {
  readonly data: unknown;
  readonly functions: readonly string[];
}

const MAX_DEPTH = 64;

/**
 * Describes `definition` for the engine: plain objects and arrays are copied, functions are
 * replaced by their pointer, cycles and symbols are dropped. Runs in the plugin host.
 */
export function describeDefinition(definition: ConnectorDefinition): DefinitionDescriptor {
  const functions: string[] = [];
  const seen = new WeakSet<object>();
  const walk = (value: unknown, pointer: string, depth: number): unknown => {
    if (typeof value === 'function') {
      functions.push(pointer);
      return undefined;
    }
    if (typeof value === 'symbol' || typeof value === 'bigint' || depth > MAX_DEPTH)
      return undefined;
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof RegExp || value instanceof Date) return value;
    if (seen.has(value)) return undefined;
    seen.add(value);
    try {
      if (Array.isArray(value)) return value.map((v, i) => walk(v, `${pointer}/${i}`, depth + 1));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const v = walk(
          (value as Record<string, unknown>)[key],
          `${pointer}/${escapeKey(key)}`,
          depth + 1,
        );
        if (v !== undefined) out[key] = v;
      }
      return out;
    } finally {
      seen.delete(value);
    }
  };
  return { data: walk(definition, '', 0), functions };
}

/**
 * An action's engine-side hooks (`timeoutMs`, `idempotentWhen`): the engine evaluates them in the
 * plugin's host (`evaluateActionHook`, an `action-hook` call); a stand-in that something else
 * calls answers `undefined` (the defaults) rather than throwing.
 */
const ENGINE_HOOKS = new Set(['timeoutMs', 'idempotentWhen']);

/**
 * The engine's view of an isolated plugin's definition: its data, with a stand-in where each
 * function was (so `typeof action.current === 'function'` still says what the plugin offers).
 * Calling a stand-in throws: plugin code runs only in its host, through the executor.
 */
export function definitionFromDescriptor(
  descriptor: DefinitionDescriptor,
  label: string,
): ConnectorDefinition {
  const root = structuredClone(descriptor.data) as Record<string, unknown>;
  for (const pointer of descriptor.functions) {
    const keys = pointer.split('/').slice(1).map(unescapeKey);
    const last = keys.pop();
    if (last === undefined) continue;
    let parent: unknown = root;
    for (const key of keys) parent = (parent as Record<string, unknown> | undefined)?.[key];
    if (typeof parent !== 'object' || parent === null) continue;
    (parent as Record<string, unknown>)[last] = ENGINE_HOOKS.has(last)
      ? () => undefined
      : () => {
          throw new Error(`${label}: ${pointer} is plugin code; it runs in the plugin's host.`);
        };
  }
  return root as unknown as ConnectorDefinition;
}

const escapeKey = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeKey = (key: string) => key.replace(/~1/g, '/').replace(/~0/g, '~');
