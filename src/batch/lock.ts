/**
 * One writer per results file: two runs appending to the same file would send every line twice.
 * The lock is a `<results>.lock` file holding the owner's pid; a lock left by a process that no
 * longer exists (a crash, `kill -9`) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { ConfigurationError } from '../errors.js';

/** Locks this process holds: a lock file naming our own pid is stale unless it is one of these. */
const heldHere = new Set<string>();

export interface ResultsLock {
  readonly path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function lockResults(resultsPath: string): Promise<ResultsLock> {
  const path = `${resultsPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldHere.add(path);
      return {
        path,
        release: async () => {
          heldHere.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await ownerOf(path);
      // Our own pid in a lock we do not hold is a leftover (in a container, every run may be pid 1).
      const held = owner === process.pid ? heldHere.has(path) : owner !== undefined && isAlive(owner);
      if (held) {
        throw new ConfigurationError(
          `Another claude-retry batch (process ${owner}) is writing ${resultsPath}. Wait for it to finish or ` +
            `stop it; two runs on one results file would send every line twice. If no batch is running, ` +
            `delete ${path}.`,
        );
      }
      // The owner is gone (it crashed or was killed): the lock is stale.
      await rm(path, { force: true });
    }
  }
  throw new ConfigurationError(
    `Could not lock ${resultsPath}: ${path} keeps reappearing. Is another batch starting?`,
  );
}
