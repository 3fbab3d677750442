import type { WebhookResult } from '../engine/webhook-ingress.js';
import type { Logger } from '../log/create-logger.js';
import { answerToError, type Problem, problem } from './problem.js';

/** A webhook refused: its problem, and headers to send with it. */
export interface WebhookRefusal {
  readonly status: number;
  readonly problem: Problem;
  readonly headers: Record<string, string>;
}

/** The HTTP answer to a webhook: 202 with its events, or a refusal. */
export type WebhookAnswer =
  | { readonly status: 202; readonly body: { events: { id: string; duplicate: boolean }[] } }
  | WebhookRefusal;

/** What `POST /hooks/{token}` answers to what the ingress made of the request. */
export function webhookAnswer(result: WebhookResult): WebhookAnswer {
  switch (result.kind) {
    case 'accepted': {
      const events = result.events.flatMap((e) =>
        e.kind === 'disabled' ? [] : [{ id: e.eventId, duplicate: e.kind === 'duplicate' }],
      );
      return { status: 202, body: { events } };
    }
    case 'not-found':
      return refused(problem(404, 'No integration has this webhook URL.'));
    case 'disabled':
      return refused(problem(410, 'The integration is disabled; nothing was stored.'));
    case 'off':
      return refused(
        problem(
          409,
          "The integration's rollout stage is off: it accepts no events, and nothing was stored. Move it to shadow or a later stage (PUT /v1/integrations/{id}/rollout) to accept them.",
          { stage: 'off' },
        ),
      );
    case 'rejected':
      return refused(problem(401, `The request was refused: ${result.reason}.`));
    case 'unstorable': {
      const { part } = result;
      const where = result.event === 0 ? 'The event' : `Event ${result.event + 1}`;
      return refused(
        problem(422, `${where} cannot be stored: ${part.detail}; nothing was stored.`, {
          ...(part.reason === 'too-deep' ? { limit: 'JUNCTION_JSON_MAX_DEPTH' } : {}),
          errors: [{ in: 'body', pointer: part.pointer, detail: part.detail }],
        }),
      );
    }
    case 'failed':
      return refused(
        problem(result.retryable ? 503 : 400, `The request could not be read: ${result.message}`),
        result.retryable ? { 'Retry-After': '5' } : {},
      );
  }
}

function refused(details: Problem, headers: Record<string, string> = {}): WebhookRefusal {
  return { status: details.status, problem: details, headers };
}

/**
 * The answer to a webhook whose handling threw (`answerToError`): while the database is
 * unavailable, a 503 saying the delivery was not acknowledged and the sender's retry is stored once.
 */
export function failedWebhook(error: unknown, logger: Logger): WebhookRefusal {
  const answer = answerToError(
    error,
    logger,
    'the delivery was not acknowledged; send it again later (a repeated delivery is stored once).',
  );
  return refused(answer.problem, answer.headers);
}

/** The problem of a body over the limit (the rest of it is not read: the connection closes). */
export function bodyTooLarge(limitBytes: number): WebhookRefusal {
  return refused(
    problem(413, `The request body is larger than the limit of ${limitBytes} bytes.`),
    { Connection: 'close' },
  );
}
