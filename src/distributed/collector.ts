/**
 * Brings finished jobs back to the coordinator. Results normally arrive at once through BullMQ's
 * QueueEvents (`completed`, `failed`); a periodic sweep asks Redis about the jobs still out, which
 * catches what events cannot: results finished before this run started (a resume), events lost
 * while Redis was away, and jobs that vanished with Redis's data (they are added again).
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { BatchJobData, BatchJobResult } from './jobs.js';
import type { PendingJob, PendingJobs } from './pending.js';

export type JobOutcome = { kind: 'completed'; value: unknown } | { kind: 'failed'; reason: string };

export interface CollectorOptions {
  readonly queue: Queue<BatchJobData, BatchJobResult>;
  readonly events: QueueEvents;
  readonly pending: PendingJobs;
  readonly sweepIntervalMs: number;
  readonly now: () => number;
  /** Writes the result of a job taken out of `pending` (called once per job). */
  readonly deliver: (job: PendingJob, outcome: JobOutcome) => Promise<void>;
  /** Adds a job that vanished from Redis again. */
  readonly requeue: (job: PendingJob) => Promise<void>;
  readonly onRequeued: (count: number) => void;
  readonly onError: (error: unknown) => void;
}

/** Jobs asked about at once during a sweep. */
const SWEEP_BATCH = 32;

export class ResultCollector {
  private readonly deliveries = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: CollectorOptions) {
    options.events.on('completed', ({ jobId, returnvalue }) =>
      this.settle(jobId, { kind: 'completed', value: returnvalue }),
    );
    options.events.on('failed', ({ jobId, failedReason }) =>
      this.settle(jobId, { kind: 'failed', reason: failedReason }),
    );
  }

  start(): void {
    this.schedule();
  }

  /** Stops sweeping; waits for a sweep under way and for the results being written. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
    await this.idle();
  }

  /** Resolves when every result handed over so far is written. */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.allSettled([...this.deliveries]);
  }

  /** Hands a finished job's result over, unless it was already handed over (or is not ours). */
  settle(jobId: string, outcome: JobOutcome): void {
    const job = this.options.pending.take(jobId);
    if (!job) return;
    const delivery = this.options.deliver(job, outcome).catch(this.options.onError);
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  /** Asks Redis about every pending job not heard of for a sweep interval (all of them with `all`). */
  sweep(all = false): Promise<void> {
    this.sweeping ??= this.sweepOnce(all).finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweep().then(
        () => this.schedule(),
        (error: unknown) => {
          this.options.onError(error);
          this.schedule();
        },
      );
    }, this.options.sweepIntervalMs);
  }

  private async sweepOnce(all: boolean): Promise<void> {
    const { pending, sweepIntervalMs, now } = this.options;
    const due = pending.list().filter((job) => all || now() - job.seenAt >= sweepIntervalMs);
    let requeued = 0;
    for (let i = 0; i < due.length && !this.stopped; i += SWEEP_BATCH) {
      const found = await Promise.all(due.slice(i, i + SWEEP_BATCH).map((job) => this.check(job)));
      requeued += found.filter((state) => state === 'requeued').length;
    }
    if (requeued > 0) this.options.onRequeued(requeued);
  }

  private async check(job: PendingJob): Promise<'requeued' | 'other'> {
    const { queue, pending } = this.options;
    await job.added.catch(() => {});
    if (pending.get(job.jobId) !== job) return 'other';
    const state = await queue.getJobState(job.jobId);
    if (state === 'completed' || state === 'failed') {
      const found = await queue.getJob(job.jobId);
      if (found && state === 'completed')
        this.settle(job.jobId, { kind: 'completed', value: found.returnvalue });
      else if (found) this.settle(job.jobId, { kind: 'failed', reason: found.failedReason });
      return 'other';
    }
    job.seenAt = this.options.now();
    if (state !== 'unknown' || pending.get(job.jobId) !== job) return 'other';
    // Pending here, gone from Redis: only a Redis that lost its data (or a hand that removed it).
    job.added = this.options.requeue(job);
    await job.added;
    return 'requeued';
  }
}
