import { defineCustomAuth, field } from '@junction/connector-kit';

/**
 * An OpenAI-compatible endpoint's auth: a bearer API key when one is given (OpenAI and hosted
 * services), none otherwise (a local Ollama, vLLM or llama.cpp server usually asks for none).
 * The `test` hook lists the endpoint's models (`GET /models`).
 *
 * @example
 * ```ts
 * aiAuth.apply?.({ apiKey: 'sk-...' }); // { headers: { authorization: 'Bearer sk-...' } }
 * ```
 */
export const aiAuth = defineCustomAuth({
  kind: 'custom',
  description: 'An API key sent as a bearer token, or none for a local model server.',
  fields: {
    apiKey: field.string({
      required: false,
      secret: true,
      label: 'API key',
      description: 'Sent as "Authorization: Bearer <key>"; leave out for a local server.',
    }),
  },
  apply(c) {
    return typeof c.apiKey === 'string' && c.apiKey !== ''
      ? { headers: { authorization: `Bearer ${c.apiKey}` } }
      : {};
  },
  async test(ctx) {
    try {
      await ctx.http.get('/models', { retries: 0 });
      return { ok: true };
    } catch (thrown) {
      return { ok: false, reason: thrown instanceof Error ? thrown.message : String(thrown) };
    }
  },
});
