import {
  defineAction,
  field,
  InvalidInputError,
  type JsonObject,
  RetryableError,
} from '@junction/connector-kit';
import { answerChecker } from '../check-answer.js';
import { type ConfidenceSource, confidenceOf, type TokenLogprob } from '../confidence.js';

/** The part of a chat completion answer this action reads. */
interface Completion {
  readonly model?: string;
  readonly choices?: readonly {
    readonly finish_reason?: string | null;
    readonly message?: { readonly content?: string | null; readonly refusal?: string | null };
    readonly logprobs?: { readonly content?: readonly TokenLogprob[] | null } | null;
  }[];
  readonly usage?: JsonObject;
}

/**
 * Asks an OpenAI-compatible chat completion for a JSON answer that fits `schema` (structured
 * output), checks the answer against the schema before anything uses it, and gives it with a
 * confidence from 0 to 1 (the model's own, or from its tokens' log-probabilities).
 *
 * @example
 * ```ts
 * await runAction(connector, 'extract', ctx, { model: 'llama3.1', instructions: 'Extract the invoice.', text, schema });
 * ```
 */
export const extract = defineAction({
  key: 'extract',
  name: 'Extract structured data',
  description:
    'A chat completion whose answer must fit a JSON Schema; returns it with a confidence for gating.',
  kind: 'custom',
  idempotent: true,
  // A model answers in seconds to minutes: past a second, the run parks and frees its worker.
  detach: { afterMs: 1000 },
  settings: {
    timeoutSeconds: field.number({
      required: false,
      minimum: 1,
      maximum: 600,
      default: 25,
      description: 'How long to wait for the answer (a slow model fails the attempt, retried).',
    }),
    logprobs: field.boolean({
      required: false,
      default: true,
      description:
        'Ask for token log-probabilities (for the confidence); off for servers without them.',
    }),
  },
  input: {
    model: field.string({ examples: ['gpt-4o-mini', 'llama3.1:8b', 'qwen2.5:7b-instruct'] }),
    instructions: field.string({ description: 'The system message: what to extract, and how.' }),
    text: field.string({ description: 'The user message: the document to read.' }),
    schema: field.json({ type: 'object', description: 'JSON Schema the answer must fit.' }),
    confidenceField: field.string({
      required: false,
      default: 'confidence',
      description: "The answer's own 0-1 confidence, when the schema asks the model for one.",
    }),
    temperature: field.number({ required: false, minimum: 0, maximum: 2, default: 0 }),
    maxTokens: field.integer({ required: false, minimum: 1, maximum: 100_000 }),
  },
  output: {
    data: field.json({ description: 'The answer, checked against the schema.' }),
    confidence: field.number({ required: false, description: 'From 0 to 1; absent when unknown.' }),
    confidenceSource: field.enum(['answer', 'logprobs', 'none'] as const),
    model: field.string(),
    usage: field.json({ required: false }),
  },
  sample: {
    data: { supplier: 'Acme Ltd', number: 'INV-2041', total: 1250.5, currency: 'EUR' },
    confidence: 0.93,
    confidenceSource: 'logprobs',
    model: 'llama3.1:8b',
  },
  async run(ctx, input) {
    const check = answerChecker(input.schema);
    const answer = await ctx.http.post<Completion>(
      '/chat/completions',
      {
        model: input.model,
        temperature: input.temperature ?? 0,
        ...(input.maxTokens === undefined ? {} : { max_tokens: input.maxTokens }),
        messages: [
          { role: 'system', content: input.instructions },
          { role: 'user', content: input.text },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: input.schema, strict: true },
        },
        ...(ctx.settings.logprobs === false ? {} : { logprobs: true }),
      },
      { timeoutMs: (ctx.settings.timeoutSeconds ?? 25) * 1000 },
    );
    const choice = answer.choices?.[0];
    if (choice?.message?.refusal)
      throw new InvalidInputError(`The model refused: ${choice.message.refusal}`);
    if (choice?.finish_reason === 'length')
      throw new RetryableError('The answer was cut off at the token limit (raise maxTokens).');
    const content = choice?.message?.content;
    if (typeof content !== 'string')
      throw new RetryableError('The endpoint answered no message content.');
    const data = check(content);
    const confidence = confidenceOf(
      data,
      input.confidenceField ?? 'confidence',
      choice?.logprobs?.content ?? undefined,
    );
    return {
      data,
      ...(confidence.value === undefined ? {} : { confidence: confidence.value }),
      confidenceSource: confidence.source satisfies ConfidenceSource,
      model: answer.model ?? input.model,
      ...(answer.usage ? { usage: answer.usage } : {}),
    };
  },
});
