/** The public shapes of distributed batches: coordinator and worker options, events and reports. */
import type { BatchEvent, BatchOptions, BatchSummary } from '../batch/types.js';
import type { ClaudeRetryClient, ClientOptions } from '../client/create-client.js';
import type { ClientEvent } from '../client/events.js';
import type { RedisHealthChange } from './redis.js';

/** Where the jobs go: a Redis server and a BullMQ queue on it. */
export interface QueueLocation {
  /** Redis URL, e.g. `redis://127.0.0.1:6379` (`rediss://` for TLS; a password may be in it). */
  readonly queue: string;
  /** The BullMQ queue; coordinator and workers must use the same one. @default 'claude-retry' */
  readonly queueName?: string;
  /**
   * How long the start-up check waits for Redis before giving up with a clear error.
   * @default 3000
   */
  readonly connectTimeoutMs?: number;
}

/** How a worker holds its jobs; the defaults suit production, tests make them short. */
export interface WorkerTuning {
  /**
   * A job's lock lasts this long and is renewed at half of it; a dead worker's job is handed to
   * another one once its lock has expired and a stalled-job check has run.
   * @default 10000
   */
  readonly lockDurationMs?: number;
  /** Between two stalled-job checks. @default 5000 */
  readonly stalledIntervalMs?: number;
  /** A job that stalls more often than this fails (an errored `worker_error` result). @default 2 */
  readonly maxStalledCount?: number;
}

export interface BatchWorkerOptions extends QueueLocation, WorkerTuning {
  /** The client that sends the requests (its retry policy and pacing apply; share pacing with `--redis`). */
  readonly client?: ClaudeRetryClient;
  /** Options to build a client with, when `client` is not given. */
  readonly clientOptions?: ClientOptions;
  /** Jobs (requests) in flight at once in this worker. @default 8 */
  readonly concurrency?: number;
  /** Shown in BullMQ's job records. @default `${hostname}:${pid}` */
  readonly name?: string;
  readonly onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; name: string; queue: string; queueName: string; concurrency: number }
  | {
      type: 'job';
      customId: string;
      line: number;
      outcome: 'succeeded' | 'errored';
      retries: number;
    }
  /** BullMQ found a job whose worker stopped renewing its lock, and put it back in the queue. */
  | { type: 'stalled'; jobId: string }
  | ({ type: 'connection' } & RedisHealthChange)
  | { type: 'warning'; message: string }
  | { type: 'client'; event: ClientEvent };

export interface WorkerReport {
  succeeded: number;
  errored: number;
  /** Jobs put back in the queue unanswered (the worker was aborted, or the key was refused). */
  handedBack: number;
  retries: number;
  rateLimited: number;
}

export interface DistributedBatchOptions
  extends Omit<BatchOptions, 'concurrency' | 'onEvent'>,
    QueueLocation {
  /**
   * Jobs this process also works on itself, at once (0: only separate `claude-retry worker`
   * processes do the work). Needs an API key only when above 0.
   * @default 0
   */
  readonly localWorkers?: number;
  /** Tuning of the local worker. */
  readonly worker?: WorkerTuning;
  /**
   * Most jobs of this batch in the queue at once: the input is read only as fast as results come
   * back, so a million-line file never sits in Redis whole.
   * @default 1000
   */
  readonly enqueueAhead?: number;
  /**
   * Between two checks of the jobs still out (a result whose event was missed, a job lost with
   * Redis's data). Results normally arrive at once through BullMQ's events.
   * @default 5000
   */
  readonly sweepIntervalMs?: number;
  /** Batch events (the same as the single-process batch) plus the queue's own. */
  readonly onEvent?: (event: DistributedBatchEvent) => void;
}

export type DistributedBatchEvent =
  | BatchEvent
  | ({ type: 'connection' } & RedisHealthChange)
  /** Jobs put in the queue again because they had vanished from Redis (a restart that lost its data). */
  | { type: 'requeued'; count: number }
  /** Workers connected to the queue at the start (when Redis lets us count them). */
  | { type: 'workers'; count: number }
  | { type: 'warning'; message: string }
  | { type: 'workerEvent'; event: WorkerEvent };

export interface DistributedBatchSummary extends BatchSummary {
  /** Jobs taken back out of the queue unstarted when the run was stopped (they run on resume). */
  readonly withdrawn: number;
  /** Jobs left in the queue after an abort: workers may finish them; the next run collects them. */
  readonly leftInQueue: number;
  /** Jobs that failed in the workers (stalled too often, or crashed), recorded as errored `worker_error`. */
  readonly workerFailures: number;
  /** Jobs added again after they vanished from Redis. */
  readonly requeued: number;
}
