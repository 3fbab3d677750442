import { Writable } from 'node:stream';

/** A stream to give a logger, and everything written to it so far. */
export function captureLogs(): { readonly stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}
