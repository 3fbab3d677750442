import {
  buildManifest,
  defineConnector,
  definePollingTrigger,
  defineRecordType,
  field,
} from '@junction/connector-kit';
import { expect, it } from 'vitest';
import { manifestChanges } from './manifest-changes.js';

function connector(version: string, settings: Record<string, ReturnType<typeof field.string>>) {
  return defineConnector({
    id: 'rows',
    name: 'Rows',
    description: 'Rows of a table',
    version,
    contract: '^1.1.0',
    auth: { kind: 'none' },
    triggers: [
      definePollingTrigger({
        key: 'row-changed',
        name: 'Row changed',
        description: 'A row changed',
        settings,
        output: { id: field.string() },
        sample: { id: '1' },
        poll: async () => ({ items: [], cursor: null }),
      }),
    ],
  });
}

it('lists settings an upgrade newly requires or removes, since saved integrations must be checked again', () => {
  const v1 = buildManifest(connector('1.0.0', { table: field.string() }));
  const v2 = buildManifest(connector('2.0.0', { table: field.string(), schema: field.string() }));
  expect(manifestChanges(v1, v2)).toEqual([
    {
      kind: 'field-required',
      path: '/triggers/row-changed/settings/schema',
      message: 'field "schema" is now required',
    },
  ]);
  expect(manifestChanges(v2, v1).map((c) => c.path)).toEqual([
    '/triggers/row-changed/settings/schema',
  ]);
});

function records(
  version: string,
  withUpdate: boolean,
  settings: Record<string, ReturnType<typeof field.string>>,
) {
  return defineConnector({
    id: 'rows',
    name: 'Rows',
    description: 'Rows of a table',
    version,
    contract: '^1.11.0',
    auth: { kind: 'none' },
    recordTypes: [
      defineRecordType({
        name: 'row',
        fields: { id: field.string() },
        key: 'id',
        settings,
        list: async () => ({ records: [] }),
        ...(withUpdate ? { update: async () => undefined } : {}),
      }),
    ],
  });
}

it('lists record capabilities an upgrade removes and record settings it newly requires', () => {
  const v1 = buildManifest(records('1.0.0', true, { table: field.string() }));
  const v2 = buildManifest(
    records('2.0.0', false, { table: field.string(), schema: field.string() }),
  );
  expect(manifestChanges(v1, v2)).toEqual([
    {
      kind: 'field-required',
      path: '/recordTypes/row/settings/schema',
      message: 'field "schema" is now required',
    },
    {
      kind: 'record-capability-removed',
      path: '/recordTypes/row/capabilities/update',
      message: 'record type "row" can no longer update',
    },
  ]);
  expect(manifestChanges(v2, v1).map((c) => c.kind)).toEqual(['field-removed']);
});
