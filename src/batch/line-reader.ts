/**
 * Splits a byte stream into lines, keeping each line's byte offset and whether it ended with a
 * newline. readline hides both, and resume needs them: a result line is trusted only when its
 * newline arrived, and a torn tail is cut off at an exact byte offset.
 */

export interface Line {
  /** The line's text, without its `\n` (and without a `\r` before it). */
  readonly text: string;
  /** 1-based line number. */
  readonly number: number;
  /** Byte offset of the line's first byte in the stream. */
  readonly offset: number;
  /** Bytes the line occupies, its newline included. */
  readonly bytes: number;
  /** False only for a last line that ended without `\n`. */
  readonly terminated: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function decode(buffer: Buffer, start: number, end: number): string {
  // A `\n` byte never occurs inside a multi-byte UTF-8 sequence, so a whole line always decodes cleanly.
  const stop = end > start && buffer[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
  return buffer.toString('utf8', start, stop);
}

/** Yields every line of `stream`; pulls the next chunk only when asked (backpressure). */
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Line> {
  let carry: Buffer | undefined;
  let offset = 0;
  let number = 0;
  for await (const chunk of stream) {
    const fresh = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const buffer = carry ? Buffer.concat([carry, fresh]) : fresh;
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      const bytes = end + 1 - start;
      yield { text: decode(buffer, start, end), number: ++number, offset, bytes, terminated: true };
      offset += bytes;
      start = end + 1;
    }
    carry = start < buffer.length ? buffer.subarray(start) : undefined;
  }
  if (carry && carry.length > 0) {
    yield {
      text: decode(carry, 0, carry.length),
      number: ++number,
      offset,
      bytes: carry.length,
      terminated: false,
    };
  }
}

/** True for a line with nothing but spaces, tabs or a `\r`: JSONL readers skip such lines. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}
