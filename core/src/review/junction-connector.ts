import { defineConnector, defineWebhookTrigger, field } from '@junction/connector-kit';
import type { ConnectorSource } from '../connectors/connector-source.js';

/** What a `review-escalated` event holds. */
export const escalationFields = {
  reviewId: field.string({ description: 'The review item (GET /v1/reviews/{id})' }),
  integrationId: field.string({ description: 'The integration whose queue it waits in' }),
  runId: field.string(),
  step: field.string({ description: 'route/step of the write waiting for review' }),
  confidence: field.number({ required: false }),
  waitingSeconds: field.integer({ description: 'How long it has waited' }),
  slaSeconds: field.integer(),
  createdAt: field.dateTime(),
  assignee: field.string({ required: false, description: 'Who holds its claim, if anyone' }),
};

/**
 * Junction's own connector: its triggers are fed by Junction itself, never by a request from
 * outside (their webhook URL refuses every request). `review-escalated`: a review item waited past
 * its integration's SLA; an integration with this trigger routes it on (to a chat webhook, say).
 */
export const junctionConnector = defineConnector({
  id: 'junction',
  name: 'Junction',
  description: 'Events of Junction itself (review items past their SLA), to route like any other',
  version: '1.0.0',
  contract: '^1.0.0',
  auth: { kind: 'none' },
  triggers: [
    defineWebhookTrigger({
      key: 'review-escalated',
      name: 'Review escalated',
      description: 'A review item waited longer than its integration allows (review.slaSeconds)',
      output: escalationFields,
      sample: {
        reviewId: 'wt_0190f3c2-7a4e-7c1d-9b8e-2f4a6c8d0e1f',
        integrationId: 'int_0b7e4c2a',
        runId: 'run_0190f3c2',
        step: 'all/erp-write',
        confidence: 0.62,
        waitingSeconds: 14_460,
        slaSeconds: 14_400,
        createdAt: '2026-05-04T08:00:00.000Z',
      },
      verify: () => false,
      parse: () => [],
    }),
  ],
});

/** `source` with Junction's own connector added (it cannot be replaced by a plugin of that id). */
export function withJunctionConnector(source: ConnectorSource): ConnectorSource {
  const own = {
    id: junctionConnector.id,
    version: junctionConnector.version,
    definition: junctionConnector,
  };
  return {
    get: (id, version) =>
      id === own.id
        ? version === undefined || version === own.version
          ? own
          : undefined
        : source.get(id, version),
    versions: (id) => (id === own.id ? [own.version] : source.versions(id)),
  };
}
