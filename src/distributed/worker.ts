/**
 * startBatchWorker: takes batch jobs from a BullMQ queue, any number at once, in any number of
 * processes or machines. A worker that dies mid-request loses nothing: its job's lock expires and
 * another worker's stalled-job check puts the job back in the queue.
 */

import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { type ClaudeRetryClient, createClient } from '../client/create-client.js';
import type { ClientEvent } from '../client/events.js';
import { ConfigurationError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { WORKER_DEFAULTS } from './defaults.js';
import { type BatchJobData, type BatchJobResult, DEFAULT_QUEUE_NAME, isValidQueueName } from './jobs.js';
import { createProcessor } from './processor.js';
import { bullConnection, checkRedisUrl, RedisHealth, redactRedisUrl } from './redis.js';
import type { BatchWorkerOptions, WorkerEvent, WorkerReport } from './types.js';

export { WORKER_DEFAULTS };

export interface BatchWorker {
  /** `host:pid`, as shown in BullMQ's job records. */
  readonly name: string;
  /** What it did so far. */
  report(): WorkerReport;
  /** Takes no new job, finishes (and records) those in flight, then closes. */
  close(): Promise<WorkerReport>;
  /** Cuts the requests in flight short and hands their jobs back to the queue, then closes. */
  abort(): Promise<WorkerReport>;
  /** Resolves with the error when the API refused the key (401): the worker has stopped taking jobs. */
  readonly fatal: Promise<unknown>;
}

function whole(name: string, value: number | undefined, fallback: number, min = 1): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ConfigurationError(
      `Invalid worker option \`${name}\`: expected a whole number >= ${min}, got ${String(value)}.`,
    );
  }
  return n;
}

export function checkQueueName(name: string | undefined): string {
  const queueName = name ?? DEFAULT_QUEUE_NAME;
  if (!isValidQueueName(queueName)) {
    throw new ConfigurationError(
      `Invalid queue name "${queueName}": use 1 to 100 letters, digits, ".", "-" or "_".`,
    );
  }
  return queueName;
}

export async function startBatchWorker(options: BatchWorkerOptions): Promise<BatchWorker> {
  const url = checkRedisUrl(options.queue);
  const queueName = checkQueueName(options.queueName);
  const concurrency = whole('concurrency', options.concurrency, WORKER_DEFAULTS.concurrency);
  const lockDuration = whole('lockDurationMs', options.lockDurationMs, WORKER_DEFAULTS.lockDurationMs, 100);
  const stalledInterval = whole(
    'stalledIntervalMs',
    options.stalledIntervalMs,
    WORKER_DEFAULTS.stalledIntervalMs,
    100,
  );
  const maxStalledCount = whole('maxStalledCount', options.maxStalledCount, WORKER_DEFAULTS.maxStalledCount);
  const client: ClaudeRetryClient = options.client ?? createClient(options.clientOptions);
  const emit = (event: WorkerEvent) => options.onEvent?.(event);
  const health = await RedisHealth.connect(url, {
    ...(options.connectTimeoutMs !== undefined ? { timeoutMs: options.connectTimeoutMs } : {}),
    onChange: (change) => emit({ type: 'connection', ...change }),
  });

  const report: WorkerReport = { succeeded: 0, errored: 0, handedBack: 0, retries: 0, rateLimited: 0 };
  const inflight = new AbortController();
  // Every request in flight listens to it; their number is bounded by `concurrency`.
  setMaxListeners(0, inflight.signal);
  let reportFatal: (error: unknown) => void = () => {};
  const fatal = new Promise<unknown>((resolve) => {
    reportFatal = resolve;
  });
  let fatalSeen = false;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const unsubscribe = (['request', 'response', 'retry', 'giveUp', 'pacing'] as const).map((type) =>
    client.on(type, (event) => emit({ type: 'client', event: event as ClientEvent })),
  );

  const processor = createProcessor({
    client,
    secrets: [client.options.apiKey ?? process.env.ANTHROPIC_API_KEY ?? ''],
    clock: client.options.clock ?? systemClock,
    abortSignal: inflight.signal,
    onFatal: (error) => {
      if (fatalSeen) return;
      fatalSeen = true;
      reportFatal(error);
      // Stop taking jobs; the ones in flight fail the same way and go back to the queue.
      void worker.pause(true).catch(() => {});
    },
    onHandBack: () => {
      report.handedBack++;
    },
    onResult: (result, line) => {
      report[result.outcome]++;
      report.retries += result.retries;
      report.rateLimited += result.rateLimited;
      emit({
        type: 'job',
        customId: result.customId,
        line,
        outcome: result.outcome,
        retries: result.retries,
      });
    },
  });

  const worker = new Worker<BatchJobData, BatchJobResult>(queueName, processor, {
    connection: bullConnection(url),
    name,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    autorun: false,
  });
  // BullMQ reports connection trouble here while it reconnects; RedisHealth says it once, clearly.
  worker.on('error', (error) => {
    if (health.connected) emit({ type: 'warning', message: `BullMQ: ${error.message}` });
  });
  worker.on('failed', (job, error) => {
    if (error.name === 'WaitingError' || !job) return;
    emit({
      type: 'warning',
      message: `job for custom_id ${String(job.data?.customId)} failed: ${error.message}`,
    });
  });
  worker.on('stalled', (jobId) => emit({ type: 'stalled', jobId }));
  void worker.run().catch((error: Error) => emit({ type: 'warning', message: `BullMQ: ${error.message}` }));
  try {
    await worker.waitUntilReady();
  } catch (error) {
    for (const off of unsubscribe) off();
    await Promise.allSettled([worker.close(true), health.close()]);
    throw error;
  }
  emit({
    type: 'ready',
    name,
    queue: redactRedisUrl(url),
    queueName,
    concurrency,
  });

  let closing: Promise<WorkerReport> | undefined;
  const close = (): Promise<WorkerReport> => {
    closing ??= (async () => {
      try {
        await worker.close();
      } finally {
        for (const off of unsubscribe) off();
        await health.close();
      }
      return { ...report };
    })();
    return closing;
  };
  return {
    name,
    report: () => ({ ...report }),
    close,
    abort: () => {
      inflight.abort(new DOMException('The worker was stopped', 'AbortError'));
      return close();
    },
    fatal,
  };
}
