import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acme } from './__fixtures__/acme-connector.js';
import { defineAction } from './action.js';
import { defineConnector } from './define-connector.js';
import { AuthError, ConnectorError, InvalidInputError, RetryableError } from './errors.js';
import { field } from './field.js';
import { createActionRunner, runAction } from './run-action.js';
import type { RunContext } from './run-context.js';
import { createTestContext } from './testing/create-test-context.js';
import { startTestServer, type TestServer } from './testing/start-test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('runAction', () => {
  it('refuses bad input with a JSON pointer per problem before run is called', async () => {
    server = await startTestServer(() => ({ status: 201, body: { id: 'c_1' } }));
    const ctx = createTestContext({
      auth: acme.auth,
      credentials: { apiKey: 'k' },
      baseUrl: server.url,
    });
    const error = await runAction(acme, 'create-contact', ctx, {
      email: 'not-an-email',
      plan: 'gold',
      seats: 0,
      surprise: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual(
      expect.arrayContaining([
        { pointer: '/email', message: 'must match format "email"' },
        { pointer: '/plan', message: 'must be one of "free", "pro"' },
        { pointer: '/seats', message: 'must be >= 1' },
        { pointer: '/surprise', message: 'is not a declared field' },
      ]),
    );
    expect(server.requests).toHaveLength(0);
    const missing = await runAction(acme, 'create-contact', ctx, {}).catch((e: unknown) => e);
    expect((missing as InvalidInputError).problems).toEqual([
      { pointer: '/email', message: 'is required' },
    ]);
  });

  it('runs with defaults filled in and auth injected', async () => {
    server = await startTestServer(() => ({ status: 201, body: { id: 'c_9' } }));
    const ctx = createTestContext({
      auth: acme.auth,
      credentials: { apiKey: 'k' },
      baseUrl: server.url,
      idempotencyKey: 'step-1',
    });
    const output = await runAction(acme, 'create-contact', ctx, { email: 'ann@example.com' });
    expect(output).toEqual({ id: 'c_9', plan: 'free' });
    expect(server.requests[0]?.body).toEqual({ email: 'ann@example.com', plan: 'free' });
    expect(server.requests[0]?.headers).toMatchObject({
      'x-api-key': 'k',
      'idempotency-key': 'step-1',
    });
  });

  it('passes the plugin’s own ConnectorError through and maps HTTP errors', async () => {
    server = await startTestServer(() => ({ status: 401 }));
    const ctx = createTestContext({
      auth: acme.auth,
      credentials: { apiKey: 'k' },
      baseUrl: server.url,
    });
    const blocked = await runAction(acme, 'create-contact', ctx, { email: 'x@blocked.test' }).catch(
      (e: unknown) => e,
    );
    expect(blocked).toBeInstanceOf(InvalidInputError);
    expect((blocked as Error).message).toBe('This domain is blocked');
    await expect(
      runAction(acme, 'create-contact', ctx, { email: 'a@b.co' }),
    ).rejects.toBeInstanceOf(AuthError);
  });

  /** An action of the `throwing` connector: only its key, its description and what it does differ. */
  const misbehaving = (
    key: string,
    name: string,
    description: string,
    run: (ctx: RunContext) => Promise<{ ok: boolean }>,
  ) =>
    defineAction({
      key,
      name,
      description,
      kind: 'custom',
      idempotent: true,
      input: {},
      output: { ok: field.boolean() },
      sample: { ok: true },
      run,
    });

  const throwing = defineConnector({
    ...acme,
    actions: [
      misbehaving('explode', 'Explode', 'throws', async () => {
        throw new TypeError('cannot read id of undefined');
      }),
      misbehaving(
        'hang',
        'Hang',
        'never ends',
        (ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
          ),
      ),
      misbehaving('fetch-slowly', 'Fetch slowly', 'waits on a server that does not answer', (ctx) =>
        ctx.http.get('/slow'),
      ),
      misbehaving('lie', 'Lie', 'returns the wrong shape', async () => ({ ok: 'yes' }) as never),
    ],
  });

  it('turns a plain throw into kind unknown with the plugin’s message', async () => {
    const error = await runAction(throwing, 'explode', createTestContext(), {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      kind: 'unknown',
      retryable: true,
      message: 'cannot read id of undefined',
    });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('fails a hanging run with a RetryableError and aborts its signal', async () => {
    const runner = createActionRunner(throwing, { timeoutMs: 100 });
    const error = await runner.run('hang', createTestContext(), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toContain('100 ms');
  });

  it('aborts the HTTP requests of a run that times out, not only its signal', async () => {
    const silent = await startSilentServer();
    try {
      // The client's own timeout (60 s) is far off: only the runner's can end the request.
      const ctx = createTestContext({ baseUrl: silent.url, http: { timeoutMs: 60_000 } });
      const runner = createActionRunner(throwing, { timeoutMs: 100 });
      const error = await runner.run('fetch-slowly', ctx, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetryableError);
      expect((error as Error).message).toContain('100 ms');
      // The client hangs up: the request does not go on after the run has failed.
      await silent.closed;
      expect(silent.received()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it('refuses output that does not match the declared fields, and unknown actions', async () => {
    await expect(runAction(throwing, 'lie', createTestContext(), {})).rejects.toThrow(
      /\/ok must be boolean/,
    );
    await expect(runAction(throwing, 'nope', createTestContext(), {})).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

/** A loopback server that never answers; `closed` resolves when a request's connection closes. */
async function startSilentServer() {
  let received = 0;
  let onClose: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    onClose = resolve;
  });
  const silent = createServer((req) => {
    received += 1;
    req.socket.once('close', onClose);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    closed,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        silent.closeAllConnections();
        silent.close(() => resolve());
      }),
  };
}
