import { describe, expect, it } from 'vitest';
import { createFrameReader, encodeFrame } from './host-channel.js';

function reader(maxBytes: number) {
  const seen = { messages: [] as unknown[], oversized: [] as [number, number][], broken: 0 };
  const read = createFrameReader(maxBytes, {
    message: (m) => seen.messages.push(m),
    oversized: (call, bytes) => seen.oversized.push([call, bytes]),
    broken: () => {
      seen.broken += 1;
    },
  });
  return { read, seen };
}

describe('host channel frames', () => {
  it('carries structured-clone messages split and joined across chunks in any way', () => {
    const { read, seen } = reader(1024);
    const messages = [{ type: 'result', id: 1, output: { at: new Date(0), n: 1n } }, 'two', [3]];
    const bytes = Buffer.concat(messages.map((m, i) => encodeFrame(m, i)));
    for (let i = 0; i < bytes.length; i += 3) read(bytes.subarray(i, i + 3));
    expect(seen.messages).toEqual(messages);
  });

  it('drops a frame over the limit as it arrives, holding none of it, and reads on after it', () => {
    const { read, seen } = reader(1024);
    const huge = encodeFrame('x'.repeat(50_000), 7);
    // Its header first: reported at once, before any of its payload is read.
    read(huge.subarray(0, 8));
    expect(seen.oversized).toEqual([[7, huge.length - 8]]);
    for (let i = 8; i < huge.length; i += 4096) read(huge.subarray(i, i + 4096));
    read(encodeFrame({ after: true }));
    expect(seen.messages).toEqual([{ after: true }]);
  });

  it('announcing 4 GiB costs nothing: the bytes that follow are skipped as they come', () => {
    const { read, seen } = reader(16 * 1024 * 1024);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(0xffffffff, 0);
    read(header);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 64; i++) read(chunk);
    expect(seen).toEqual({ messages: [], oversized: [[0, 0xffffffff]], broken: 0 });
  });

  it('says a stream is broken when a payload is not a serialised value, and reads no more', () => {
    const { read, seen } = reader(1024);
    const bad = Buffer.alloc(12);
    bad.writeUInt32BE(4, 0);
    bad.write('\u00ff\u00ff\u00ff\u00ff', 8, 'latin1');
    read(Buffer.concat([bad, encodeFrame('later')]));
    expect(seen.broken).toBe(1);
    expect(seen.messages).toEqual([]);
  });
});
