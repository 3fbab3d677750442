import { describe, expect, it } from 'vitest';
import { errorFromResponse } from './error-from-response.js';
import {
  AuthError,
  ConnectorError,
  connectorErrorFromJSON,
  InvalidInputError,
  RateLimitedError,
  RetryableError,
  toConnectorError,
} from './errors.js';
import { parseRetryAfter } from './retry-after.js';

describe('errors', () => {
  it('are real subclasses with a kind, retryability and cause', () => {
    const cause = new Error('socket hang up');
    const retryable = new RetryableError('upstream down', { cause, status: 503 });
    expect(retryable).toBeInstanceOf(ConnectorError);
    expect(retryable).toBeInstanceOf(Error);
    expect(retryable).toMatchObject({
      kind: 'retryable',
      retryable: true,
      status: 503,
      name: 'RetryableError',
    });
    expect(retryable.cause).toBe(cause);
    expect(new AuthError('revoked').retryable).toBe(false);
    const invalid = new InvalidInputError('bad', { problems: [{ pointer: '/a', message: 'x' }] });
    expect(invalid).toMatchObject({ kind: 'invalidInput', retryable: false });
    expect(invalid.toJSON()).toMatchObject({ problems: [{ pointer: '/a', message: 'x' }] });
    const retryAt = new Date('2030-01-01T00:00:00Z');
    expect(new RateLimitedError('slow', { retryAt }).toJSON()).toMatchObject({
      kind: 'rateLimited',
      retryAt: '2030-01-01T00:00:00.000Z',
    });
  });

  it('wraps plain throws as kind unknown, retryable, keeping the message and cause', () => {
    const thrown = new TypeError('x is undefined');
    const wrapped = toConnectorError(thrown);
    expect(wrapped).toMatchObject({ kind: 'unknown', retryable: true, message: 'x is undefined' });
    expect(wrapped.cause).toBe(thrown);
    const own = new AuthError('no');
    expect(toConnectorError(own)).toBe(own);
    expect(toConnectorError('a string').message).toBe('a string');
  });

  it('maps HTTP statuses to the taxonomy', () => {
    const now = new Date('2024-05-01T10:00:00Z');
    const limited = errorFromResponse(429, { 'retry-after': '30' }, undefined, now);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAt.toISOString()).toBe('2024-05-01T10:00:30.000Z');
    expect(errorFromResponse(408, {}, undefined)).toBeInstanceOf(RetryableError);
    expect(errorFromResponse(500, {}, undefined)).toBeInstanceOf(RetryableError);
    expect(errorFromResponse(503, new Headers(), 'down')).toBeInstanceOf(RetryableError);
    expect(errorFromResponse(401, {}, undefined)).toBeInstanceOf(AuthError);
    expect(errorFromResponse(403, {}, undefined)).toBeInstanceOf(AuthError);
    const invalid = errorFromResponse(400, {}, { error: 'missing email' });
    expect(invalid).toBeInstanceOf(InvalidInputError);
    expect(invalid.message).toBe('HTTP 400: missing email');
    expect(errorFromResponse(404, {}, undefined).status).toBe(404);
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    const now = new Date('2024-05-01T10:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('connectorErrorFromJSON', () => {
  it('round-trips every kind through JSON', () => {
    const retryAt = new Date('2030-01-01T00:00:00Z');
    const originals = [
      new RetryableError('a', { status: 503 }),
      new RateLimitedError('b', { retryAt }),
      new AuthError('c'),
      new InvalidInputError('d', { problems: [{ pointer: '/x', message: 'bad' }] }),
      toConnectorError(new Error('e')),
    ];
    for (const original of originals) {
      const copy = connectorErrorFromJSON(JSON.parse(JSON.stringify(original)));
      expect(copy.constructor).toBe(original.constructor);
      expect(copy.toJSON()).toEqual(original.toJSON());
    }
    expect(connectorErrorFromJSON('garbage').kind).toBe('unknown');
  });
});
