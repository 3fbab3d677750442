/**
 * @junction/plugin-ai: an AI step for integrations. `extract` asks any OpenAI-compatible chat
 * completion endpoint (OpenAI, Ollama, vLLM, llama.cpp's server: the connection's `baseUrl`
 * setting) for a JSON answer that fits a JSON Schema, checks it before use, and gives a
 * confidence that a gate can send to review.
 *
 * @example
 * ```ts
 * import ai from '@junction/plugin-ai';
 * ```
 */
import { defineConnector } from '@junction/connector-kit';
import { extract } from './actions/extract.js';
import { aiAuth } from './ai-auth.js';

export { confidenceOf } from './confidence.js';

/**
 * The AI connector.
 *
 * @example
 * ```ts
 * validateConnector(connector); // []
 * ```
 */
export const connector = defineConnector({
  id: 'ai',
  name: 'AI (OpenAI-compatible)',
  description:
    'Structured extraction with any OpenAI-compatible chat completion endpoint, with a confidence for review gates.',
  version: '0.1.0',
  contract: '^1.8.0',
  baseUrl: 'https://api.openai.com/v1',
  auth: aiAuth,
  actions: [extract],
});

export default connector;
