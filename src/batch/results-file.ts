/**
 * Reading and repairing the results file before a run, and compacting it after one.
 *
 * The file is an append-only journal: a line is trusted only once its newline is on disk. A crash
 * (or `kill -9`, or a power cut) can leave at most a torn tail: a last line without its newline,
 * or, after a power cut, trailing bytes that are not a result. That tail is cut off before the run
 * and its ids simply run again. A bad line followed by good ones is not crash damage: we stop and
 * say so rather than guess.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigurationError } from '../errors.js';
import { readLines } from './line-reader.js';
import { parseResultLine, ResultIndex } from './result-index.js';

export interface TornTail {
  /** Line number where the torn tail starts. */
  readonly line: number;
  /** Bytes cut off. */
  readonly bytes: number;
}

export interface ScannedResults {
  readonly index: ResultIndex;
  /** Set when a torn tail was found and cut off. */
  readonly repaired: TornTail | undefined;
  /** Size of the file after repair (0 when it did not exist). */
  readonly size: number;
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads the results file (if any) into an index, cutting off a torn tail. */
export async function scanResults(path: string): Promise<ScannedResults> {
  const index = new ResultIndex();
  const size = await fileSize(path);
  if (size === undefined || size === 0) return { index, repaired: undefined, size: 0 };
  let badStart: { line: number; offset: number; text: string } | undefined;
  for await (const line of readLines(createReadStream(path))) {
    const parsed = line.terminated ? parseResultLine(line.text) : undefined;
    if (!parsed) {
      badStart ??= { line: line.number, offset: line.offset, text: line.text };
      continue;
    }
    if (badStart) {
      throw new ConfigurationError(
        `${path} line ${badStart.line} is not a result line (${preview(badStart.text)}), yet valid results ` +
          `follow it, so it is not the torn end of an interrupted run. The file was changed by hand or by ` +
          `another program: fix or delete that line, or choose another -o file.`,
      );
    }
    index.record(parsed.id, parsed.status);
  }
  if (!badStart) return { index, repaired: undefined, size };
  await truncate(path, badStart.offset);
  await syncFile(path);
  return { index, repaired: { line: badStart.line, bytes: size - badStart.offset }, size: badStart.offset };
}

function preview(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 30 ? `starts with ${JSON.stringify(clean.slice(0, 30))}` : JSON.stringify(clean);
}

/** fsync of a file or folder by path (a folder's fsync makes a new or renamed entry in it durable). */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a folder (EINVAL/EISDIR); there is nothing more we can do there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Rewrites the results file with exactly one line per id (see ResultIndex for which line is kept),
 * through a temporary file that replaces the original by an atomic rename: a crash in the middle
 * leaves the original journal, still valid, in place.
 */
export async function compactResults(path: string, index: ResultIndex): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.compact-${process.pid}.tmp`);
  const keep = index.keeper();
  async function* keptLines() {
    for await (const line of readLines(createReadStream(path))) {
      const id = quickId(line.text) ?? parseResultLine(line.text)?.id;
      if (id === undefined || keep(id)) yield `${line.text}\n`;
    }
  }
  try {
    await pipeline(keptLines(), createWriteStream(temp, { flags: 'wx' }));
    await syncFile(temp);
    await rename(temp, path);
    await syncFile(dirname(path));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

const OWN_LINE_ID = /^\{"custom_id":"([A-Za-z0-9_-]{1,64})"/;

/** Our own lines start with the id, so compaction need not parse a whole message to find it. */
function quickId(text: string): string | undefined {
  return OWN_LINE_ID.exec(text)?.[1];
}
