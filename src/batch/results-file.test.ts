import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultIndex } from './result-index.js';
import { compactResults, scanResults } from './results-file.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-results-'));
  file = join(dir, 'results.jsonl');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const ok = (id: string) =>
  JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { id: `msg_${id}` } } });
const bad = (id: string) =>
  JSON.stringify({ custom_id: id, result: { type: 'errored', error: { type: 'api_error', message: 'x' } } });

describe('scanResults', () => {
  it('reads nothing from a missing or empty file', async () => {
    const missing = await scanResults(file);
    expect([missing.index.succeeded, missing.index.errored, missing.size, missing.repaired]).toEqual([
      0,
      0,
      0,
      undefined,
    ]);
    await writeFile(file, '');
    expect((await scanResults(file)).size).toBe(0);
  });

  it('indexes succeeded and errored ids; canceled and expired lines count as not done', async () => {
    const canceled = JSON.stringify({ custom_id: 'c', result: { type: 'canceled' } });
    await writeFile(file, `${ok('a')}\n${bad('b')}\n${canceled}\n`);
    const { index, repaired } = await scanResults(file);
    expect(repaired).toBeUndefined();
    expect([index.statusOf('a'), index.statusOf('b'), index.statusOf('c'), index.statusOf('d')]).toEqual([
      'succeeded',
      'errored',
      'unfinished',
      undefined,
    ]);
  });

  it('cuts off a torn last line (no newline) and reports where, so that id runs again', async () => {
    const whole = `${ok('a')}\n${ok('b')}\n`;
    const torn = ok('c').slice(0, 25);
    await writeFile(file, whole + torn);
    const { index, repaired, size } = await scanResults(file);
    expect(repaired).toEqual({ line: 3, bytes: Buffer.byteLength(torn) });
    expect(size).toBe(Buffer.byteLength(whole));
    expect(await readFile(file, 'utf8')).toBe(whole);
    expect(index.statusOf('c')).toBeUndefined();
  });

  it('cuts off a tail of garbage after a power cut (zeros, then a partial line)', async () => {
    const whole = `${ok('a')}\n`;
    await writeFile(file, `${whole}\0\0\0\0\n\0\0{"custom`);
    expect((await scanResults(file)).repaired).toEqual({ line: 2, bytes: 15 });
    expect(await readFile(file, 'utf8')).toBe(whole);
  });

  it('does not trust a complete-looking last line that lacks its newline', async () => {
    await writeFile(file, `${ok('a')}\n${ok('b')}`);
    const { index, repaired } = await scanResults(file);
    expect(repaired?.line).toBe(2);
    expect(index.statusOf('b')).toBeUndefined();
  });

  it('refuses, without changing the file, a bad line that valid results follow', async () => {
    const text = `${ok('a')}\nhello\n${ok('b')}\n`;
    await writeFile(file, text);
    await expect(scanResults(file)).rejects.toThrow(
      `${file} line 2 is not a result line ("hello"), yet valid results follow it, so it is not the torn end of an interrupted run.`,
    );
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});

describe('ResultIndex with repeated ids, and compactResults', () => {
  it('keeps the last line of an id that never succeeded', async () => {
    const second = JSON.stringify({
      custom_id: 'a',
      result: { type: 'errored', error: { type: 'overloaded_error', message: 'y' } },
    });
    await writeFile(file, `${bad('a')}\n${ok('b')}\n${second}\n`);
    const { index } = await scanResults(file);
    expect(index.repeated).toBe(1);
    await compactResults(file, index);
    expect(await readFile(file, 'utf8')).toBe(`${ok('b')}\n${second}\n`);
  });

  it('never throws a success away: the first succeeded line wins over later lines', async () => {
    await writeFile(file, `${bad('a')}\n${ok('a')}\n${bad('a')}\n`);
    const { index } = await scanResults(file);
    expect(index.statusOf('a')).toBe('succeeded');
    await compactResults(file, index);
    expect(await readFile(file, 'utf8')).toBe(`${ok('a')}\n`);
  });

  it('counts lines appended during the run: a retried errored id keeps its new line only', async () => {
    await writeFile(file, `${bad('a')}\n${bad('b')}\n`);
    const { index } = await scanResults(file);
    await writeFile(file, `${bad('a')}\n${bad('b')}\n${ok('a')}\n`);
    index.record('a', 'succeeded');
    await compactResults(file, index);
    expect(await readFile(file, 'utf8')).toBe(`${bad('b')}\n${ok('a')}\n`);
    expect(await readdir(dir)).toEqual(['results.jsonl']); // the temporary file is gone
  });

  it('keeper() keeps every line of an id seen once', () => {
    const index = new ResultIndex();
    index.record('x', 'errored');
    const keep = index.keeper();
    expect([keep('x'), keep('y')]).toEqual([true, true]);
  });
});
