import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDataException } from '../db/data-exception.js';
import { isDatabaseUnavailable } from '../db/database-unavailable.js';
import type { Logger } from '../log/create-logger.js';

/** One bad field of a request: where it is and what is wrong with it. */
export interface FieldProblem {
  /** Which part of the request: the JSON body, the query string, a path parameter or a header. */
  readonly in: 'body' | 'query' | 'path' | 'header';
  /** JSON pointer (RFC 6901) to the offending value inside that part ('' for the whole part). */
  readonly pointer: string;
  readonly detail: string;
}

/** An RFC 9457 problem details object, with Junction's extension members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly FieldProblem[];
  readonly [extension: string]: unknown;
}

const titles: Record<number, [slug: string, title: string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Authentication required'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  409: ['conflict', 'Conflict'],
  410: ['gone', 'Gone'],
  412: ['precondition-failed', 'Precondition failed'],
  413: ['payload-too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['validation-failed', 'Validation failed'],
  428: ['precondition-required', 'Precondition required'],
  429: ['too-many-requests', 'Too many requests'],
  500: ['internal-error', 'Internal server error'],
  503: ['unavailable', 'Service unavailable'],
};

/** Builds a problem for `status`, with the standard type and title unless given. */
export function problem(
  status: number,
  detail?: string,
  extra: Partial<Problem> & Record<string, unknown> = {},
): Problem {
  const [slug, title] = titles[status] ?? ['error', 'Error'];
  return { type: `urn:junction:problem:${slug}`, title, status, detail, ...extra };
}

/** An error a handler throws to answer with a problem; the one error path turns it into JSON. */
export class HttpProblem extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
  constructor(problemDetails: Problem, headers: Record<string, string> = {}) {
    super(problemDetails.detail ?? problemDetails.title);
    this.name = 'HttpProblem';
    this.problem = problemDetails;
    this.headers = headers;
  }
}

/** The problem of an error no handler expected; the request id leads to its log line. */
export function unexpectedErrorProblem(): Problem {
  return problem(500, 'An unexpected error occurred; the request id identifies it in the logs.');
}

/** A problem to answer with, and the headers to send with it. */
export interface ProblemAnswer {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
}

/**
 * The answer to an error no handler expected, logged: while the database is down or restarting,
 * 503 with `Retry-After` ("The database is unavailable: " and `unavailable`), since the client
 * can try again; a value PostgreSQL cannot store (a data exception), 422; else the 500 of an
 * unexpected error, which says Junction is broken.
 */
export function answerToError(
  error: unknown,
  logger: Logger,
  unavailable = 'try again later.',
): ProblemAnswer {
  if (isDatabaseUnavailable(error)) {
    logger.warn({ err: error }, 'database unavailable');
    return {
      problem: problem(503, `The database is unavailable: ${unavailable}`),
      headers: { 'Retry-After': '5' },
    };
  }
  if (isDataException(error)) {
    logger.warn({ err: error }, 'the database refused a value of the request');
    return {
      problem: problem(
        422,
        'The database cannot store a value of the request (text holding a NUL character or a lone UTF-16 surrogate, or a value out of range); nothing was stored.',
      ),
      headers: {},
    };
  }
  logger.error({ err: error }, 'unhandled error');
  return { problem: unexpectedErrorProblem(), headers: {} };
}

/** A problem as the JSON text Junction sends, with the request id when there is one. */
export function problemJson(body: Problem, requestId: string | undefined): string {
  return JSON.stringify(requestId ? { ...body, requestId } : body);
}

/** Writes `body` as `application/problem+json`, with the request id as `instance`. */
export function problemResponse(
  c: Context,
  body: Problem,
  headers: Record<string, string> = {},
): Response {
  const requestId = c.get('requestId') as string | undefined;
  return c.body(problemJson(body, requestId), body.status as ContentfulStatusCode, {
    ...headers,
    'Content-Type': 'application/problem+json',
  });
}
