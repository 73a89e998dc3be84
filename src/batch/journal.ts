/**
 * Appends result lines to the results file.
 *
 * Durability policy, chosen on purpose:
 * - Each line reaches the kernel in a whole `write()` of complete lines (lines finished at the
 *   same moment share one write), through a file opened with O_APPEND. Once `append()` resolves,
 *   the line survives the process being killed, `kill -9` included: it is in the page cache.
 * - `fdatasync` runs at most every `syncIntervalMs` while lines are being written, and once more at
 *   close. So an operating-system crash or power cut loses at most that window of lines; the next
 *   run cuts any torn tail off and sends those lines again. Syncing every line would cap a batch at
 *   the disk's sync rate (often a few hundred per second) for little gain: a result can always be
 *   fetched again, but never duplicated (see results-file.ts).
 */
import { type FileHandle, open } from 'node:fs/promises';

export interface JournalOptions {
  /**
   * Longest time written lines may wait for `fdatasync`, in milliseconds; 0 syncs after every write.
   * @default 200
   */
  readonly syncIntervalMs?: number;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class ResultsJournal {
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Lines handed to the kernel so far. */
  linesWritten = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly syncIntervalMs: number,
  ) {}

  /** Opens (creating if needed) `path` for appending. */
  static async open(path: string, options: JournalOptions = {}): Promise<ResultsJournal> {
    const syncIntervalMs = options.syncIntervalMs ?? 200;
    if (!Number.isFinite(syncIntervalMs) || syncIntervalMs < 0) {
      throw new TypeError(`syncIntervalMs must be a number of 0 or more, got ${String(syncIntervalMs)}`);
    }
    return new ResultsJournal(await open(path, 'a'), syncIntervalMs);
  }

  /** Queues one line (a JSON text without newline); resolves once it is written. */
  append(line: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('The results journal is closed.'));
    this.pending.push(`${line}\n`);
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.writing ??= this.drain();
    return written;
  }

  /** Writes what is queued and syncs it to disk. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
    await this.sync();
  }

  /** Flushes, then closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      clearTimeout(this.syncTimer);
      await this.handle.close();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          await this.writeAll(Buffer.from(lines.join('')));
          this.linesWritten += lines.length;
          for (const waiter of waiters) waiter.resolve();
          if (this.syncIntervalMs === 0) await this.sync();
          else this.scheduleSync();
        } catch (error) {
          this.failure = error as Error;
          for (const waiter of [...waiters, ...this.waiters]) waiter.reject(this.failure);
          this.pending = [];
          this.waiters = [];
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async writeAll(buffer: Buffer): Promise<void> {
    // A short write (a full disk, a signal) is continued; if we die in between, the torn tail
    // is found and cut off by the next run.
    for (let done = 0; done < buffer.length; ) {
      const { bytesWritten } = await this.handle.write(buffer, done, buffer.length - done);
      done += bytesWritten;
    }
  }

  private scheduleSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.sync().catch((error: Error) => {
        this.failure ??= error;
      });
    }, this.syncIntervalMs);
  }

  private async sync(): Promise<void> {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    // One fdatasync at a time; a sync asked for while one runs waits for it, then runs again.
    while (this.syncing) await this.syncing;
    this.syncing = this.handle.datasync();
    try {
      await this.syncing;
    } finally {
      this.syncing = undefined;
    }
  }
}
