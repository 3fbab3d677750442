import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      role: 'all',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: path.resolve('.junction'),
      logLevel: 'info',
      workerConcurrency: 16,
    });
  });

  it('lets flags win over the environment', () => {
    const config = loadConfig({ PORT: '4000', JUNCTION_ROLE: 'api' }, { port: '5000' });
    expect(config.port).toBe(5000);
    expect(config.role).toBe('api');
  });

  it('lists every problem at once, naming the variable and the flag', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        JUNCTION_ROLE: 'boss',
        DATABASE_URL: 'mysql://x',
        JUNCTION_ADMIN_TOKEN: 'short',
        JUNCTION_WORKER_CONCURRENCY: '0',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(6);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT \(--port <port>\) must be a whole number; got "abc"$/),
        expect.stringMatching(/^JUNCTION_ROLE \(--role <role>\) must be one of all, api, worker/),
        expect.stringMatching(/^DATABASE_URL .* must be a postgres:\/\//),
        expect.stringMatching(/^JUNCTION_WORKER_CONCURRENCY .* must be at least 1/),
        expect.stringMatching(/^LOG_LEVEL .* must be one of/),
      ]),
    );
    const tokenProblem = problems.find((p) => p.startsWith('JUNCTION_ADMIN_TOKEN'));
    expect(tokenProblem).toBe('JUNCTION_ADMIN_TOKEN must be at least 16 characters long');
    expect((error as Error).message).not.toContain('short');
  });

  it('bounds the wait for a database connection', () => {
    expect(loadConfig({}).databaseConnectTimeoutMs).toBe(10_000);
    expect(loadConfig({ JUNCTION_DB_CONNECT_TIMEOUT_MS: '2500' }).databaseConnectTimeoutMs).toBe(
      2500,
    );
    expect(() => loadConfig({ JUNCTION_DB_CONNECT_TIMEOUT_MS: '5' })).toThrow(
      /JUNCTION_DB_CONNECT_TIMEOUT_MS must be at least 100/,
    );
    expect(() => loadConfig({ JUNCTION_DB_CONNECT_TIMEOUT_MS: 'soon' })).toThrow(
      /JUNCTION_DB_CONNECT_TIMEOUT_MS must be a whole number; got "soon"/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
    });
  });
});
