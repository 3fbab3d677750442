// A complete example connector used by the kit's own tests.
import {
  defineAction,
  defineConnector,
  definePollingTrigger,
  defineRecordType,
  defineWebhookTrigger,
  field,
  InvalidInputError,
  verifyHmacHex,
} from '../index.js';

export const contact = defineRecordType({
  name: 'contact',
  fields: {
    id: field.string(),
    email: field.string({ format: 'email' }),
    updated_at: field.dateTime(),
  },
  key: 'id',
  updatedAt: 'updated_at',
});

export const createContact = defineAction({
  key: 'create-contact',
  name: 'Create contact',
  description: 'Adds a contact',
  kind: 'create',
  idempotent: false,
  input: {
    email: field.string({ format: 'email' }),
    name: field.string({ required: false }),
    plan: field.enum(['free', 'pro'], { default: 'free' }),
    seats: field.integer({ required: false, minimum: 1 }),
  },
  output: { id: field.string(), plan: field.enum(['free', 'pro']) },
  sample: { id: 'c_1', plan: 'free' },
  async run(ctx, input) {
    if (input.email.endsWith('@blocked.test')) {
      throw new InvalidInputError('This domain is blocked', {
        problems: [{ pointer: '/email', message: 'domain is blocked' }],
      });
    }
    const created = await ctx.http.post<{ id: string }>('/contacts', input, {
      headers: { 'idempotency-key': ctx.idempotencyKey },
    });
    return { id: created.id, plan: input.plan };
  },
});

export const contactCreated = defineWebhookTrigger({
  key: 'contact-created',
  name: 'Contact created',
  description: 'A contact was added in Acme',
  output: { id: field.string(), email: field.string() },
  sample: { id: 'c_1', email: 'ann@example.com' },
  verify: (req, ctx) =>
    verifyHmacHex({
      secret: String(ctx.credentials.webhookSecret),
      payload: req.rawBody,
      signature: req.headers['x-acme-signature'],
      prefix: 'sha256=',
    }),
  parse: (req) => {
    const body = req.body as { events: { id: string; email: string }[] };
    return body.events.map((e) => ({ dedupeKey: e.id, data: { id: e.id, email: e.email } }));
  },
});

export const contactUpdated = definePollingTrigger({
  key: 'contact-updated',
  name: 'Contact updated',
  description: 'Contacts changed since the last poll',
  output: { id: field.string(), updated_at: field.dateTime() },
  sample: { id: 'c_1', updated_at: '2024-05-01T10:00:00Z' },
  async poll(ctx, cursor) {
    const page = await ctx.http.get<{
      data: { id: string; updated_at: string }[];
      next: string | null;
    }>('/contacts', { query: { after: cursor ?? undefined } });
    return {
      items: page.data.map((c) => ({ dedupeKey: `${c.id}@${c.updated_at}`, data: c })),
      cursor: page.next ?? cursor,
    };
  },
});

export const acme = defineConnector({
  id: 'acme-crm',
  name: 'Acme CRM',
  description: 'Contacts in Acme',
  version: '1.2.0',
  contract: '^1.0.0',
  auth: { kind: 'apiKey', in: 'header', name: 'X-Api-Key' },
  recordTypes: [contact],
  triggers: [contactCreated, contactUpdated],
  actions: [createContact],
});
