import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from './line-reader.js';

async function linesOf(...chunks: (string | Buffer)[]) {
  const out = [];
  for await (const line of readLines(
    Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))),
  )) {
    out.push(line);
  }
  return out;
}

describe('readLines', () => {
  it('gives each line its number, byte offset and size, newline included', async () => {
    expect(await linesOf('ab\ncde\n')).toEqual([
      { text: 'ab', number: 1, offset: 0, bytes: 3, terminated: true },
      { text: 'cde', number: 2, offset: 3, bytes: 4, terminated: true },
    ]);
  });

  it('marks a last line without newline as not terminated (a torn write looks like this)', async () => {
    const lines = await linesOf('{"a":1}\n{"b"');
    expect(lines[1]).toEqual({ text: '{"b"', number: 2, offset: 8, bytes: 4, terminated: false });
  });

  it('joins a line split across chunks, even inside a multi-byte character', async () => {
    const text = Buffer.from('héllo wörld\nnext\n');
    // Split in the middle of "é" (two bytes in UTF-8).
    const lines = await linesOf(text.subarray(0, 2), text.subarray(2, 9), text.subarray(9));
    expect(lines.map((l) => l.text)).toEqual(['héllo wörld', 'next']);
    expect(lines[1]?.offset).toBe(Buffer.byteLength('héllo wörld\n'));
  });

  it('drops the \\r of Windows line ends from the text but counts its byte', async () => {
    expect(await linesOf('a\r\nb\r\n')).toEqual([
      { text: 'a', number: 1, offset: 0, bytes: 3, terminated: true },
      { text: 'b', number: 2, offset: 3, bytes: 3, terminated: true },
    ]);
  });

  it('yields empty lines (the caller decides about blanks) and nothing for an empty stream', async () => {
    expect((await linesOf('\n\nx\n')).map((l) => l.text)).toEqual(['', '', 'x']);
    expect(await linesOf()).toEqual([]);
  });
});
