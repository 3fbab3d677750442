import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from './create-database.js';
import { isDatabaseUnavailable } from './database-unavailable.js';

// A server that accepts connections and never says a word: a database out of reach.
let silent: net.Server;
const sockets = new Set<net.Socket>();
beforeAll(async () => {
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('createDatabase', () => {
  it('fails a query that cannot get a connection in time, as the database being unavailable', async () => {
    const { port } = silent.address() as net.AddressInfo;
    const database = createDatabase(`postgres://junction@127.0.0.1:${port}/junction`, 2, 300);
    try {
      // Without the bound, this waits for the system's TCP timeout (minutes): the test times out.
      const error = await database.pool.query('select 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/timeout/i);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await database.close();
    }
  });
});
