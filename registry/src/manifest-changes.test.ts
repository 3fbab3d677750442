import {
  buildManifest,
  defineConnector,
  definePollingTrigger,
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
