import {
  ConnectorError,
  RateLimitedError,
  RetryableError,
  validateConnector,
} from '@junction/connector-kit';
import { createTestContext, runActionForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connector } from '../src/index.js';
import { type ModelStandIn, startModelStandIn } from '../src/stand-in.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['supplier', 'total'],
  properties: {
    supplier: { type: 'string' },
    total: { type: 'number' },
    confidence: { type: 'number' },
  },
};
const input = {
  model: 'stand-in',
  instructions: 'Extract the supplier and the total of the invoice.',
  text: 'INVOICE from Acme Ltd. Total due: 1,250.50 EUR',
  schema,
};

let model: ModelStandIn;
beforeAll(async () => {
  model = await startModelStandIn();
});
afterAll(async () => {
  await model?.close();
});

const run = (settings: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}) =>
  runActionForTest(
    connector,
    'extract',
    input,
    createTestContext({
      auth: connector.auth,
      baseUrl: model.url,
      settings,
      credentials,
      http: { retries: 0 },
    }),
  );

describe('extract against an OpenAI-compatible endpoint', () => {
  it('is a valid connector', () => {
    expect(validateConnector(connector)).toEqual([]);
  });

  it('asks for structured output and gives the answer with a confidence from the token log-probabilities', async () => {
    model.next({ content: { supplier: 'Acme Ltd', total: 1250.5 }, tokenConfidence: 0.8 });
    const output = await run({}, { apiKey: 'sk-test-123' });
    expect(output).toMatchObject({
      data: { supplier: 'Acme Ltd', total: 1250.5 },
      confidenceSource: 'logprobs',
      model: 'stand-in',
    });
    expect(output.confidence).toBeCloseTo(0.8, 3);
    const sent = model.requests.at(-1);
    expect(sent?.headers.authorization).toBe('Bearer sk-test-123');
    expect(sent?.body).toMatchObject({
      model: 'stand-in',
      temperature: 0,
      logprobs: true,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema, strict: true },
      },
      messages: [
        { role: 'system', content: input.instructions },
        { role: 'user', content: input.text },
      ],
    });
  });

  it("prefers the model's own confidence when the schema asks for one; without log-probabilities none", async () => {
    model.next({
      content: { supplier: 'Acme', total: 1, confidence: 0.42 },
      tokenConfidence: 0.99,
    });
    expect(await run()).toMatchObject({ confidence: 0.42, confidenceSource: 'answer' });
    model.next({ content: { supplier: 'Acme', total: 1 } });
    const without = await run({ logprobs: false });
    expect(without.confidenceSource).toBe('none');
    expect(without.confidence).toBeUndefined();
    expect(model.requests.at(-1)?.body.logprobs).toBeUndefined();
  });

  it('refuses malformed JSON and answers that do not fit the schema, saying why (retryable)', async () => {
    model.next({ content: '{"supplier": "Acme", "total": ' });
    await expect(run()).rejects.toThrow(/not valid JSON/);
    model.next({ content: { supplier: 'Acme', total: 'a lot', extra: 1 } });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/does not fit the schema: .*\/total must be number/);
    model.next({ content: { supplier: 'Acme', total: 1 }, finishReason: 'length' });
    await expect(run()).rejects.toThrow(/cut off/);
  });

  it('turns a 429 into a rate limit with its Retry-After, and a server error into a retryable one', async () => {
    model.next({ status: 429, retryAfterSeconds: 7 });
    const limited = await run().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    const wait = (limited as RateLimitedError).retryAt.getTime() - Date.now();
    expect(wait).toBeGreaterThan(5_000);
    expect(wait).toBeLessThanOrEqual(7_500);
    model.next({ status: 500, message: 'overloaded' });
    const failed = await run().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ConnectorError);
    expect((failed as ConnectorError).retryable).toBe(true);
  });

  it('waits for a slow answer within its timeout, and gives up (retryable) past it', async () => {
    model.next({ content: { supplier: 'Slow', total: 2 }, delayMs: 600 });
    expect((await run({ timeoutSeconds: 5 })).data).toEqual({ supplier: 'Slow', total: 2 });
    model.next({ content: { supplier: 'Slower', total: 3 }, delayMs: 3_000 });
    const started = Date.now();
    const error = await run({ timeoutSeconds: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('refuses a schema that is not JSON Schema before asking the model, never retried', async () => {
    const asked = model.requests.length;
    const error = await runActionForTest(
      connector,
      'extract',
      { ...input, schema: { type: 'nonsense' } },
      createTestContext({ auth: connector.auth, baseUrl: model.url, http: { retries: 0 } }),
    ).catch((e: unknown) => e);
    expect((error as ConnectorError).kind).toBe('invalidInput');
    expect(model.requests.length).toBe(asked);
  });
});
