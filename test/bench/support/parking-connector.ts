import { defineAction, defineConnector, field } from '@junction/connector-kit';

/**
 * A bench-only connector whose one action parks its run until a callback: what the waits bench
 * fills the database with (runs holding nothing while they wait).
 */
export const parkingConnector = defineConnector({
  id: 'bench-parking',
  name: 'Bench parking',
  description: 'Parks runs until their callback',
  version: '1.0.0',
  contract: '^1.6.0',
  auth: { kind: 'none' },
  actions: [
    defineAction({
      key: 'park',
      name: 'Park',
      description: 'Waits for a callback (an hour at most)',
      kind: 'custom',
      idempotent: true,
      input: { id: field.string() },
      output: { done: field.boolean() },
      sample: { done: true },
      run: async (ctx) => ctx.wait({ callback: true, deadlineSeconds: 3600 }),
    }),
  ],
});
