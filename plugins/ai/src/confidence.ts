/** Where a confidence came from. */
export type ConfidenceSource = 'answer' | 'logprobs' | 'none';

/** One generated token and its log-probability, as chat completions report them. */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
}

/**
 * The confidence of an answer, from 0 to 1: the model's own (a number from 0 to 1 at
 * `field` of the answer, when the schema asks for one), else the geometric mean of the
 * probabilities of the tokens it generated (`exp` of their mean log-probability: 1 when every
 * token was certain, lower as the model hesitated), else none.
 *
 * @example
 * ```ts
 * confidenceOf({ total: 12, confidence: 0.9 }, 'confidence', undefined); // { value: 0.9, source: 'answer' }
 * ```
 */
export function confidenceOf(
  answer: unknown,
  field: string,
  logprobs: readonly TokenLogprob[] | undefined,
): { value: number | undefined; source: ConfidenceSource } {
  const own =
    typeof answer === 'object' && answer !== null && !Array.isArray(answer)
      ? (answer as Record<string, unknown>)[field]
      : undefined;
  if (typeof own === 'number' && own >= 0 && own <= 1) return { value: own, source: 'answer' };
  const scored = (logprobs ?? []).filter((t) => Number.isFinite(t.logprob));
  if (scored.length > 0) {
    const mean = scored.reduce((sum, t) => sum + t.logprob, 0) / scored.length;
    return { value: Math.round(Math.exp(mean) * 10_000) / 10_000, source: 'logprobs' };
  }
  return { value: undefined, source: 'none' };
}
