/**
 * One coordinated run: read the input, queue the lines not yet in the results file (a bounded
 * window ahead of the results), write each result that comes back with the single-process batch's
 * journal, exactly once per custom_id, and remove its job. Stops like the single-process batch:
 * the first Ctrl-C takes the unstarted jobs back out of the queue and waits for those in flight;
 * the second leaves everything in the queue, for the workers to finish and the next run to collect.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type JobsOptions, Queue, QueueEvents } from 'bullmq';
import type { InputFormat, InputItem } from '../batch/input.js';
import { readInput } from '../batch/input.js';
import { compactResults, scanResults } from '../batch/results-file.js';
import { BATCH_DEFAULTS } from '../batch/runner.js';
import type { InputSource } from '../batch/source.js';
import { announceStart, Tally } from '../batch/tally.js';
import { InputTriage } from '../batch/triage.js';
import type { ClaudeRetryClient } from '../client/create-client.js';
import { ClaudeRetryError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { type JobOutcome, ResultCollector } from './collector.js';
import { type BatchJobData, type BatchJobResult, batchKeyFor, JOB_NAME, jobIdFor } from './jobs.js';
import { type PendingJob, PendingJobs } from './pending.js';
import { bullConnection } from './redis.js';
import { ResultsWriter } from './results-writer.js';
import type { DistributedBatchEvent, DistributedBatchOptions, DistributedBatchSummary } from './types.js';
import { withdrawUnstarted } from './withdraw.js';
import { type BatchWorker, startBatchWorker } from './worker.js';

export interface QueuedRunPlan {
  readonly options: DistributedBatchOptions;
  readonly url: string;
  readonly queueName: string;
  readonly source: InputSource;
  readonly format: InputFormat;
  readonly output: string;
  readonly total: number | undefined;
  readonly client: ClaudeRetryClient | undefined;
  readonly localWorkers: number;
  readonly enqueueAhead: number;
  readonly sweepIntervalMs: number;
}

/** A safety net for a batch nobody resumes: its finished jobs leave Redis after a week. */
const KEEP_FINISHED = { age: 7 * 24 * 3600 };
/** `queue.add` calls in flight at once (they pipeline over one connection). */
const ADDS_IN_FLIGHT = 64;

function jobOptions(jobId: string): JobsOptions {
  // One attempt: the client already retried API errors; stalls (a dead worker) are not attempts.
  return { jobId, attempts: 1, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED };
}

export async function runQueued(plan: QueuedRunPlan): Promise<DistributedBatchSummary> {
  const { options } = plan;
  const emit = (event: DistributedBatchEvent) => options.onEvent?.(event);
  const clock = options.clock ?? plan.client?.options.clock ?? systemClock;
  const started = clock.now();
  const { index, repaired } = await scanResults(plan.output);
  const tally = new Tally(repaired);
  const writer = await ResultsWriter.open(
    { output: plan.output, index, tally, emit, fail: (error) => fail(error) },
    options.syncIntervalMs ?? BATCH_DEFAULTS.syncIntervalMs,
  );
  const counts = { withdrawn: 0, requeued: 0 };
  const batch = batchKeyFor(plan.output);
  const connection = bullConnection(plan.url);
  const queue = new Queue<BatchJobData, BatchJobResult>(plan.queueName, { connection });
  const events = new QueueEvents(plan.queueName, { connection });
  // While Redis is away BullMQ reports every failed reconnection; RedisHealth says it once.
  queue.on('error', () => {});
  events.on('error', () => {});
  const pending = new PendingJobs();
  let stopping: 'stop' | 'abort' | 'failure' | undefined;
  let failure: unknown;
  let withdrawing: Promise<void> | undefined;
  let localWorker: BatchWorker | undefined;
  const stream = plan.source.open();

  const stop = (how: 'stop' | 'abort' | 'failure') => {
    if (stopping === undefined || (how !== 'stop' && stopping === 'stop')) {
      stopping = how;
      emit({ type: 'stopping', how });
    }
    if (stopping === 'stop') {
      withdrawing ??= withdrawUnstarted(queue, pending).then((n) => {
        counts.withdrawn += n;
      }, fail);
      void localWorker?.close();
    } else if (how !== 'stop') void localWorker?.abort();
    (stream as { destroy?: () => void }).destroy?.();
    pending.wake();
  };
  function fail(error: unknown): void {
    failure ??= error;
    stop('failure');
  }
  const onStop = () => stop('stop');
  const onAbort = () => stop('abort');

  async function deliver(job: PendingJob, outcome: JobOutcome): Promise<void> {
    if (!(await writer.finished(job.customId, job.line, outcome))) return;
    // Written: the job may go. If it cannot (a worker holds it again), it leaves Redis by age.
    await queue.remove(job.jobId).catch(() => 0);
  }

  const collector = new ResultCollector({
    queue,
    events,
    pending,
    sweepIntervalMs: plan.sweepIntervalMs,
    now: Date.now,
    deliver,
    requeue: async (job) => {
      await queue.add(JOB_NAME, jobData(job), jobOptions(job.jobId));
    },
    onRequeued: (count) => {
      counts.requeued += count;
      emit({ type: 'requeued', count });
    },
    onError: fail,
  });
  const jobData = (job: PendingJob): BatchJobData => ({
    v: 1,
    batch,
    customId: job.customId,
    line: job.line,
    params: job.params,
  });

  const adds = new Set<Promise<void>>();
  async function enqueue(item: Extract<InputItem, { kind: 'request' }>, replacing: boolean): Promise<void> {
    await pending.waitForRoom(plan.enqueueAhead, () => stopping !== undefined);
    while (adds.size >= ADDS_IN_FLIGHT) await Promise.race(adds);
    if (stopping !== undefined) return;
    const jobId = jobIdFor(batch, item.customId, item.params);
    const job: PendingJob = {
      jobId,
      customId: item.customId,
      line: item.line,
      params: item.params,
      added: Promise.resolve(),
      seenAt: Date.now(),
    };
    pending.add(job);
    job.added = (async () => {
      // An errored result sent again: drop a finished job left with this id by an earlier run.
      if (replacing) await queue.remove(jobId).catch(() => 0);
      await queue.add(JOB_NAME, jobData(job), jobOptions(jobId));
    })();
    const add = job.added.catch((error: unknown) =>
      fail(
        new ClaudeRetryError(`Could not add a job to the queue: ${(error as Error).message}`, {
          cause: error,
        }),
      ),
    );
    adds.add(add);
    void add.finally(() => adds.delete(add));
  }

  const triage = new InputTriage(index, tally, Boolean(options.retryErrored), emit);
  async function handle(input: InputItem): Promise<void> {
    const verdict = triage.judge(input);
    if (verdict.action === 'drop') return;
    if (verdict.action === 'invalid') {
      await writer.invalid(verdict.item.customId, verdict.item.line, verdict.item.message);
      return;
    }
    await enqueue(verdict.item, verdict.recorded === 'errored');
  }

  options.stopSignal?.addEventListener('abort', onStop);
  options.signal?.addEventListener('abort', onAbort);
  let compacted = false;
  let inputRead = false;
  try {
    await events.waitUntilReady();
    if (plan.localWorkers > 0 && plan.client) {
      localWorker = await startLocalWorker(plan, plan.client, emit);
      localWorker.fatal.then(fail);
    }
    if (options.signal?.aborted) onAbort();
    else if (options.stopSignal?.aborted) onStop();
    announceStart(emit, {
      total: plan.total,
      inputPath: plan.source.path,
      results: { index, repaired },
      retryErrored: Boolean(options.retryErrored),
    });
    if (plan.localWorkers === 0) {
      // A hint for the common first mistake (no worker started); some hosted Redis forbid CLIENT LIST.
      queue.getWorkersCount().then(
        (count) => emit({ type: 'workers', count }),
        () => {},
      );
    }
    collector.start();
    try {
      for await (const item of readInput(stream, plan.format, options.defaults ?? {})) {
        if (stopping !== undefined) break;
        await handle(item);
      }
      inputRead = stopping === undefined;
    } catch (error) {
      // After a stop, a read cut short by closing the input is expected, not a failure.
      if (stopping === undefined) fail(error);
    }
    // Results finished before this run (a resume) have no event to come: look for them now.
    if (stopping === undefined) await collector.sweep(true);
    await pending.waitForEmpty(() => stopping === 'abort' || stopping === 'failure');
  } finally {
    options.stopSignal?.removeEventListener('abort', onStop);
    options.signal?.removeEventListener('abort', onAbort);
    // Not read to its end (a failure before or during the read): let go of the file.
    if (!inputRead) (stream as { destroy?: () => void }).destroy?.();
    await withdrawing;
    await Promise.allSettled(adds);
    await collector.stop();
    const hard = stopping === 'abort' || stopping === 'failure';
    if (localWorker) await (hard ? localWorker.abort() : localWorker.close());
    await closeWithin(events, hard);
    await closeWithin(queue, hard);
    await writer.close();
  }
  const leftInQueue = stopping === 'abort' || stopping === 'failure' ? pending.size : 0;
  if (index.repeated > 0 && stopping !== 'abort') {
    await compactResults(plan.output, index);
    compacted = true;
  }
  if (failure !== undefined) throw failure;
  const ended = stopping === 'abort' ? 'aborted' : stopping === 'stop' ? 'stopped' : 'completed';
  return {
    ...tally.summary(plan.output, ended, clock.now() - started, compacted),
    ...counts,
    workerFailures: writer.workerFailures,
    leftInQueue,
  };
}

function startLocalWorker(
  plan: QueuedRunPlan,
  client: ClaudeRetryClient,
  emit: (event: DistributedBatchEvent) => void,
): Promise<BatchWorker> {
  return startBatchWorker({
    queue: plan.url,
    queueName: plan.queueName,
    ...(plan.options.connectTimeoutMs !== undefined
      ? { connectTimeoutMs: plan.options.connectTimeoutMs }
      : {}),
    ...plan.options.worker,
    client,
    concurrency: plan.localWorkers,
    onEvent: (event) => {
      if (event.type !== 'connection') emit({ type: 'workerEvent', event });
    },
  });
}

/** Closes a BullMQ object; after an abort, does not wait long for a Redis that may be gone. */
async function closeWithin(target: { close(): Promise<void>; disconnect(): Promise<void> }, hard: boolean) {
  if (!hard) return target.close();
  const closed = target.close().then(
    () => true,
    () => true,
  );
  if (!(await Promise.race([closed, sleep(2000, false, { ref: false })]))) await target.disconnect();
}
