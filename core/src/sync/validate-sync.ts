import {
  type FieldSet,
  type RecordCapability,
  type RecordTypeDefinition,
  validateFields,
} from '@junction/connector-kit';
import type { ConnectorSource } from '../connectors/connector-source.js';
import {
  type ConnectionLookup,
  checkSettings,
  type DefinitionProblem,
  escapePointerPart,
  resolveConnectorRef,
} from '../integrations/validate-integration.js';
import { checkFieldPath } from '../integrations/var-path-check.js';
import { collectVarPaths, type Expression, validateExpression } from '../mapping/index.js';
import { other, reads, type SideName, type SyncDefinition } from './sync-definition.js';

type Add = (pointer: string, detail: string) => void;

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks a sync against the installed connectors and stored connections, every problem at once:
 * each side's connector, connection, record type and settings; the capabilities the direction
 * and the delete policy need; each mapping used (valid expressions over `record` whose paths the
 * source record type has, target fields the other side's record type has, constants that fit);
 * the match paths; the conflict policy's field lists. Answers the definition with versions pinned.
 */
export function validateSync(
  definition: SyncDefinition,
  connectors: ConnectorSource,
  connections: ConnectionLookup,
): { problems: DefinitionProblem[]; pinned: SyncDefinition } {
  const problems: DefinitionProblem[] = [];
  const add: Add = (pointer, detail) => problems.push({ pointer, detail });
  const pinned = structuredClone(definition);
  const types: Partial<Record<SideName, RecordTypeDefinition>> = {};

  for (const side of ['a', 'b'] as const) {
    const ref = definition[side];
    const found = resolveConnectorRef(`/${side}`, ref, connectors, connections, add);
    if (!found) continue;
    pinned[side].version = found.version;
    const type = found.definition.recordTypes?.find((r) => r.name === ref.recordType);
    if (!type) {
      const names = (found.definition.recordTypes ?? []).map((r) => r.name).join(', ');
      add(
        `/${side}/recordType`,
        `"${ref.connector}" has no record type "${ref.recordType}" (it has: ${names || 'none'})`,
      );
      continue;
    }
    types[side] = type;
    checkSettings(`/${side}/settings`, type.settings, ref.settings, add);
  }

  for (const side of ['a', 'b'] as const) {
    const type = types[side];
    if (!type) continue;
    const needs: RecordCapability[] = [];
    if (reads(definition, side)) needs.push('list');
    if (reads(definition, other(side))) {
      needs.push('get', 'create', 'update');
      if (definition.deletes.policy === 'delete') needs.push('delete');
    }
    for (const capability of needs) {
      if (typeof type[capability] !== 'function')
        add(
          `/${side}/recordType`,
          `record type "${type.name}" cannot ${capability}, which this sync needs of side ${side}`,
        );
    }
  }

  for (const [from, key] of [
    ['a', 'aToB'],
    ['b', 'bToA'],
  ] as const) {
    const mapping = definition.mappings[key];
    const pointer = `/mappings/${key}`;
    if (!reads(definition, from)) {
      if (mapping !== undefined)
        add(pointer, `direction ${definition.direction} does not use ${key}`);
      continue;
    }
    if (mapping === undefined) {
      add(pointer, `direction ${definition.direction} needs the mapping ${key}`);
      continue;
    }
    const source = types[from];
    const target = types[other(from)];
    if (source && target) checkMapping(pointer, mapping, source.fields, target.fields, add);
  }

  if (definition.direction === 'both' && !definition.match)
    add(
      '/match',
      'a sync in both directions needs match: after a crash between a create and its link, it finds the record the create made (else that record would come back as new and be created again)',
    );
  if (definition.match) {
    for (const side of ['a', 'b'] as const) {
      const type = types[side];
      const why = type && checkFieldPath(type.fields, definition.match[side].split('.'), 'record');
      if (why) add(`/match/${side}`, why);
    }
  }

  const { conflict, deletes } = definition;
  if (conflict.policy === 'fields') {
    if (definition.direction !== 'both')
      add('/conflict/policy', 'field ownership decides conflicts of a sync in both directions');
    for (const [list, key] of [
      ['aOwns', 'aToB'],
      ['bOwns', 'bToA'],
    ] as const) {
      conflict[list].forEach((path, i) => {
        const [name = '', ...rest] = path.split('.');
        if ([name, ...rest].some((part) => UNSAFE.has(part)))
          add(`/conflict/${list}/${i}`, `"${path}" names a JavaScript object's prototype`);
        else if (!Object.hasOwn(definition.mappings[key] ?? {}, name))
          add(`/conflict/${list}/${i}`, `"${name}" is not a target field of the mapping ${key}`);
      });
    }
  }
  if (deletes.policy === 'archive') {
    for (const side of ['a', 'b'] as const) {
      const type = types[side];
      if (!type || !reads(definition, other(side))) continue;
      if (!Object.hasOwn(type.fields, deletes.field))
        add(
          '/deletes/field',
          `record type "${type.name}" of side ${side} has no field "${deletes.field}"`,
        );
      else {
        for (const p of validateFields(
          { [deletes.field]: type.fields[deletes.field]! },
          { [deletes.field]: deletes.value },
        ).problems)
          add(
            '/deletes/value',
            `does not fit field "${deletes.field}" of side ${side}: ${p.message}`,
          );
      }
    }
  }
  return { problems, pinned };
}

function checkMapping(
  pointer: string,
  mapping: Record<string, unknown>,
  source: FieldSet,
  target: FieldSet,
  add: Add,
): void {
  for (const [name, expression] of Object.entries(mapping)) {
    const at = `${pointer}/${escapePointerPart(name)}`;
    if (!Object.hasOwn(target, name)) {
      add(
        at,
        `the target record type has no field "${name}" (it has: ${Object.keys(target).join(', ')})`,
      );
      continue;
    }
    const invalid = validateExpression(expression);
    for (const problem of invalid) add(`${at}${problem.pointer}`, problem.message);
    if (invalid.length > 0) continue;
    for (const path of collectVarPaths(expression as Expression)) {
      const [root, ...rest] = path.split('.');
      if (root !== 'record') {
        add(at, `"${path}" must start with "record." (the source side's record)`);
        continue;
      }
      const why = checkFieldPath(source, rest, 'record');
      if (why) add(at, why);
    }
    if (expression === null || ['string', 'number', 'boolean'].includes(typeof expression)) {
      for (const problem of validateFields({ [name]: target[name]! }, { [name]: expression })
        .problems)
        add(
          at,
          `constant ${JSON.stringify(expression)} does not fit the field: ${problem.message}`,
        );
    }
  }
}
