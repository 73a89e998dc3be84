import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsJournal } from './journal.js';
import { lockResults } from './lock.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-journal-'));
  file = join(dir, 'results.jsonl');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('ResultsJournal', () => {
  it('appends whole lines to what is there; lines queued together are all written', async () => {
    await writeFile(file, '{"old":1}\n');
    const journal = await ResultsJournal.open(file, { syncIntervalMs: 0 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(`{"n":${i}}`)));
    await journal.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines[0]).toBe('{"old":1}');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -1).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `{"n":${i}}`).sort());
    expect(journal.linesWritten).toBe(50);
  });

  it('refuses appends after close and checks its option', async () => {
    const journal = await ResultsJournal.open(file);
    await journal.close();
    await journal.close();
    await expect(journal.append('{}')).rejects.toThrow('The results journal is closed.');
    await expect(ResultsJournal.open(file, { syncIntervalMs: -1 })).rejects.toThrow(
      'syncIntervalMs must be a number of 0 or more, got -1',
    );
  });
});

describe('lockResults', () => {
  it('lets one run at a time hold a results file, and frees it on release', async () => {
    const lock = await lockResults(file);
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(String(process.pid));
    await expect(lockResults(file)).rejects.toThrow(
      `Another claude-retry batch (process ${process.pid}) is writing ${file}.`,
    );
    await lock.release();
    const again = await lockResults(file);
    await again.release();
  });

  it('takes over a lock left by a process that no longer exists, or by an earlier run with our pid', async () => {
    await writeFile(`${file}.lock`, '2147483646');
    const lock = await lockResults(file);
    await lock.release();
    await writeFile(`${file}.lock`, String(process.pid)); // e.g. a container where every run is pid 1
    const mine = await lockResults(file);
    await mine.release();
  });
});
