import { deserialize, serialize } from 'node:v8';

/** Bytes before each frame's payload: its length and the call it belongs to (UInt32BE each). */
export const FRAME_HEADER_BYTES = 8;
const HEADER = FRAME_HEADER_BYTES;

/**
 * One message as a frame of the channel between Junction and a plugin host (a socket pair, not
 * Node's IPC channel, so that Junction can bound what it reads): its length, the call it belongs
 * to (0: none) and its structured-clone serialisation (what `serialization: 'advanced'` IPC sends).
 * Throws for a value structured clone cannot carry (a function, a symbol).
 */
export function encodeFrame(message: unknown, call = 0): Buffer {
  const payload = serialize(message);
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(call >>> 0, 4);
  payload.copy(frame, HEADER);
  return frame;
}

/** What a frame reader reports. */
export interface FrameHandlers {
  message(message: unknown): void;
  /** A frame longer than the limit: its bytes are dropped as they arrive, never held. */
  oversized(call: number, bytes: number): void;
  /** A payload that does not deserialise: the stream cannot be trusted any more. */
  broken(error: Error): void;
}

/**
 * A reader of frames from a byte stream (give it each chunk in order). A frame over `maxBytes`
 * is reported by its header and skipped without being buffered, so a peer cannot make the reader
 * hold more than `maxBytes` (plus one chunk) at a time.
 *
 * @example
 * ```ts
 * socket.on('data', createFrameReader(16 * 1024 * 1024, { message, oversized, broken }));
 * ```
 */
export function createFrameReader(
  maxBytes: number,
  handlers: FrameHandlers,
): (chunk: Buffer) => void {
  let header: Buffer = Buffer.alloc(0);
  /** The current frame's length, or -1 while its header is being read. */
  let length = -1;
  let parts: Buffer[] = [];
  let have = 0;
  let skip = 0;
  let broken = false;

  const deliver = (payload: Buffer) => {
    let message: unknown;
    try {
      message = deserialize(payload);
    } catch (error) {
      broken = true;
      handlers.broken(error as Error);
      return;
    }
    handlers.message(message);
  };

  return (chunk) => {
    let offset = 0;
    while (offset < chunk.length && !broken) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - offset);
        skip -= n;
        offset += n;
        continue;
      }
      if (length < 0) {
        let source: Buffer;
        if (header.length === 0 && chunk.length - offset >= HEADER) {
          source = chunk.subarray(offset, offset + HEADER);
          offset += HEADER;
        } else {
          const n = Math.min(HEADER - header.length, chunk.length - offset);
          header = Buffer.concat([header, chunk.subarray(offset, offset + n)]);
          offset += n;
          if (header.length < HEADER) return;
          source = header;
          header = Buffer.alloc(0);
        }
        const bytes = source.readUInt32BE(0);
        const of = source.readUInt32BE(4);
        if (bytes > maxBytes) {
          skip = bytes;
          handlers.oversized(of, bytes);
          continue;
        }
        length = bytes;
        parts = [];
        have = 0;
      }
      const n = Math.min(length - have, chunk.length - offset);
      if (n > 0) parts.push(chunk.subarray(offset, offset + n));
      have += n;
      offset += n;
      if (have === length) {
        const payload = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
        length = -1;
        parts = [];
        deliver(payload);
      }
    }
  };
}
