/**
 * Checks the input and output paths before anything is read or written, so a typo costs nothing:
 * each problem is a ConfigurationError (exit code 2) that says what to do.
 */
import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../errors.js';

export const STDIN = '-';

export interface CheckedPaths {
  /** Absolute input path, or `-` for stdin. */
  readonly input: string;
  /** Absolute results path. */
  readonly output: string;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function canAccess(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

async function checkInput(input: string, cwd: string): Promise<{ path: string; stats: Stats } | undefined> {
  if (input === STDIN) return undefined;
  const path = resolve(cwd, input);
  const stats = await statOrUndefined(path);
  if (!stats) {
    throw new ConfigurationError(
      `Input file not found: ${path}. Check the path (relative paths start from ${cwd}), or use - to read stdin.`,
    );
  }
  if (stats.isDirectory())
    throw new ConfigurationError(`The input ${path} is a folder; give a .jsonl or .txt file.`);
  if (!(await canAccess(path, constants.R_OK))) {
    throw new ConfigurationError(`Cannot read the input file ${path} (permission denied).`);
  }
  return { path, stats };
}

async function checkOutput(output: string, cwd: string): Promise<{ path: string; stats: Stats | undefined }> {
  if (output === '' || output === STDIN) {
    throw new ConfigurationError(
      'The results must go to a file (-o results.jsonl): a batch appends to it and reads it back to resume.',
    );
  }
  const path = resolve(cwd, output);
  const folder = dirname(path);
  const folderStats = await statOrUndefined(folder);
  if (!folderStats?.isDirectory()) {
    throw new ConfigurationError(
      `The folder for the results file does not exist: ${folder}. Create it (mkdir -p ${folder}) or choose another -o path.`,
    );
  }
  const stats = await statOrUndefined(path);
  if (stats?.isDirectory())
    throw new ConfigurationError(`-o ${path} is a folder; give a file name such as results.jsonl.`);
  const writable = stats
    ? await canAccess(path, constants.R_OK | constants.W_OK)
    : await canAccess(folder, constants.W_OK);
  if (!writable) {
    throw new ConfigurationError(
      `Cannot write the results file ${path} (permission denied); choose another -o path.`,
    );
  }
  return { path, stats };
}

export async function checkPaths(input: string, output: string, cwd: string): Promise<CheckedPaths> {
  const checkedInput = await checkInput(input, cwd);
  const checkedOutput = await checkOutput(output, cwd);
  const same =
    checkedInput !== undefined &&
    (checkedInput.path === checkedOutput.path ||
      (checkedOutput.stats !== undefined &&
        checkedInput.stats.dev === checkedOutput.stats.dev &&
        checkedInput.stats.ino === checkedOutput.stats.ino));
  if (same) {
    throw new ConfigurationError(
      `The results file is the input file (${checkedOutput.path}): results are appended to it, which would ` +
        'corrupt the input. Choose another -o path.',
    );
  }
  return { input: checkedInput?.path ?? STDIN, output: checkedOutput.path };
}
