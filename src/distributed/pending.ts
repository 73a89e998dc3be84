/**
 * The jobs of this batch that are in the queue and not yet written to the results file: a bounded
 * window (the input is read only as fast as results come back), and the one place that decides
 * whether a job's result is still wanted. An entry leaves the window exactly once, so a job that
 * completes twice (a stalled job finished by two workers) is written once.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';

export interface PendingJob {
  readonly jobId: string;
  readonly customId: string;
  readonly line: number;
  /** Kept to add the job again if it vanishes from Redis (a restart without persistence). */
  readonly params: MessageCreateParamsNonStreaming;
  /** Settles once BullMQ has the job. */
  added: Promise<void>;
  /** When the job was last known to be in the queue (added, or seen by a sweep). */
  seenAt: number;
}

export class PendingJobs {
  private readonly jobs = new Map<string, PendingJob>();
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.jobs.size;
  }

  add(job: PendingJob): void {
    this.jobs.set(job.jobId, job);
  }

  get(jobId: string): PendingJob | undefined {
    return this.jobs.get(jobId);
  }

  /** Removes and returns the entry: the caller owns its result. Undefined when it was already taken. */
  take(jobId: string): PendingJob | undefined {
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    this.jobs.delete(jobId);
    this.wake();
    return job;
  }

  /** A snapshot, for sweeps (entries may be taken meanwhile: check with `get`). */
  list(): PendingJob[] {
    return [...this.jobs.values()];
  }

  /** Resolves when fewer than `limit` jobs are pending, or on `wake()`. */
  async waitForRoom(limit: number, stopped: () => boolean): Promise<void> {
    while (this.jobs.size >= limit && !stopped()) await this.changed();
  }

  /** Resolves when no job is pending, or on `wake()` once `stopped()` is true. */
  async waitForEmpty(stopped: () => boolean): Promise<void> {
    while (this.jobs.size > 0 && !stopped()) await this.changed();
  }

  /** Wakes every waiter so it looks again (after a stop, for instance). */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
