/**
 * Where the input lines come from (a file, or stdin), and the `--strict` pass that checks every
 * line before anything is sent.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigurationError } from '../errors.js';
import { type InputFormat, type RequestDefaults, readInput } from './input.js';
import { STDIN } from './paths.js';

export interface InputSource {
  /** A fresh stream over the input; for stdin, the one and only stream. */
  open(): NodeJS.ReadableStream & AsyncIterable<Buffer | string>;
  /** Path of a file that can be read again (undefined for stdin). */
  readonly path: string | undefined;
  /** Removes a spooled copy of stdin, if one was made. */
  dispose(): Promise<void>;
}

export function fileSource(path: string): InputSource {
  return { path, open: () => createReadStream(path), dispose: async () => {} };
}

export function stdinSource(stdin: NodeJS.ReadableStream): InputSource {
  return {
    path: undefined,
    open: () => stdin as NodeJS.ReadableStream & AsyncIterable<Buffer | string>,
    dispose: async () => {},
  };
}

/**
 * Copies stdin to a temporary file, so it can be read twice (once to check, once to run) without
 * holding it in memory.
 */
export async function spoolStdin(stdin: NodeJS.ReadableStream): Promise<InputSource> {
  const folder = await mkdtemp(join(tmpdir(), 'claude-retry-batch-'));
  const path = join(folder, 'stdin.jsonl');
  try {
    await pipeline(stdin, createWriteStream(path));
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return { ...fileSource(path), dispose: () => rm(folder, { recursive: true, force: true }) };
}

export function sourceFor(input: string, stdin: NodeJS.ReadableStream): InputSource {
  return input === STDIN ? stdinSource(stdin) : fileSource(input);
}

const SHOWN_PROBLEMS = 20;

/**
 * Reads every line and throws a ConfigurationError listing the bad ones (the first 20, and how many
 * more). Returns the number of lines when all are good. Holds one id per line, to find duplicates.
 */
export async function checkAllLines(
  source: InputSource,
  format: InputFormat,
  defaults: RequestDefaults,
  name: string,
): Promise<number> {
  const firstLineOf = new Map<string, number>();
  const problems: string[] = [];
  let bad = 0;
  let lines = 0;
  for await (const item of readInput(source.open(), format, defaults)) {
    lines++;
    let problem: string | undefined;
    const first = firstLineOf.get(item.customId);
    if (first !== undefined) problem = duplicateMessage(item.customId, first);
    else if (item.kind === 'invalid') problem = item.message;
    if (first === undefined) firstLineOf.set(item.customId, item.line);
    if (problem === undefined) continue;
    bad++;
    if (problems.length < SHOWN_PROBLEMS) problems.push(`  line ${item.line}: ${problem}`);
  }
  if (bad === 0) return lines;
  const more = bad > problems.length ? `\n  ... and ${bad - problems.length} more` : '';
  throw new ConfigurationError(
    `--strict: ${bad} of ${lines} lines in ${name} are bad, so nothing was sent:\n${problems.join('\n')}${more}\n` +
      'Fix these lines and run again, or drop --strict to run the good lines and record the bad ones as errored.',
  );
}

export function duplicateMessage(customId: string, firstLine: number): string {
  return (
    `custom_id "${customId}" is already used on line ${firstLine}; this line was not run. ` +
    'Give every line its own custom_id.'
  );
}
