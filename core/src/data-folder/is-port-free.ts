import net from 'node:net';

/**
 * Why `port` on `host` cannot be listened on (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`...), or
 * undefined when it can: a listen that is closed at once.
 */
export function portProblem(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Whether `port` on `host` is free to listen on. */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return (await portProblem(port, host)) === undefined;
}
