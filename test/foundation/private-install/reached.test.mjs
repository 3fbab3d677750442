import { readlinkSync } from 'node:fs';
import { expect, inject, it } from 'vitest';

it('the global setup reached the embedded PostgreSQL', () => {
  const server = inject('server');
  expect(server.encoding).toBe('UTF8');
  // The server runs the copy of the binaries the postgres user can reach, not the private one.
  expect(readlinkSync(`/proc/${server.pid}/exe`)).toMatch(/^\/var\/lib\/junction\//);
});
