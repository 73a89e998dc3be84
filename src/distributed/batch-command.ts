/**
 * `claude-retry batch in.jsonl -o results.jsonl --queue redis://...`: the batch command when the
 * requests are sent by `claude-retry worker` processes. Same progress, same summary, same exit
 * codes as the single-process batch, plus what the queue adds (workers, Redis outages).
 */
import { BatchProgress } from '../batch/progress.js';
import {
  type ApiFlags,
  DEFAULT_MAX_TOKENS,
  pacingOptionsFrom,
  resolveApiKey,
  resolveBaseUrl,
  resolveModel,
  retryOptionsFrom,
} from '../cli/api-flags.js';
import { commonBatchOptions, showBatchRun } from '../cli/batch-outcome.js';
import type { ExitCodeValue } from '../cli/exit-codes.js';
import type { CliIO } from '../cli/io.js';
import { connectSharedPacing } from '../cli/shared-pacing.js';
import { type ClaudeRetryClient, type ClientOptions, createClient } from '../client/create-client.js';
import { runDistributedBatch } from './coordinator.js';
import { DEFAULT_QUEUE_NAME } from './jobs.js';
import { redactRedisUrl } from './redis.js';
import type { DistributedBatchEvent, DistributedBatchSummary, WorkerTuning } from './types.js';

export interface QueuedBatchCommandOptions {
  input: string;
  output: string;
  model: string;
  maxTokens: number;
  prompts: boolean;
  retryErrored: boolean;
  strict: boolean;
  queue: string;
  queueName?: string | undefined;
  localWorkers: number;
  enqueueAhead?: number | undefined;
  worker?: WorkerTuning;
  /** For the local workers only (none: no key needed). */
  clientOptions?: ClientOptions | undefined;
  resumeCommand: string;
}

/** The batch command's flags that matter with --queue. */
export interface QueuedBatchFlags extends ApiFlags {
  output: string;
  prompts?: boolean;
  retryErrored?: boolean;
  strict?: boolean;
  queue: string;
  queueName?: string;
  localWorkers?: number;
  enqueueAhead?: number;
}

export function queuedBatchOptionsFrom(
  input: string,
  flags: QueuedBatchFlags,
  resumeCommand: string,
  io: CliIO,
): QueuedBatchCommandOptions {
  const localWorkers = flags.localWorkers ?? 0;
  return {
    input,
    output: flags.output,
    model: resolveModel(flags, io),
    maxTokens: flags.maxTokens ?? DEFAULT_MAX_TOKENS,
    prompts: Boolean(flags.prompts),
    retryErrored: Boolean(flags.retryErrored),
    strict: Boolean(flags.strict),
    queue: flags.queue,
    queueName: flags.queueName,
    localWorkers,
    enqueueAhead: flags.enqueueAhead,
    // The workers send the requests: the coordinator needs a key only to send some itself.
    clientOptions:
      localWorkers > 0
        ? {
            apiKey: resolveApiKey(flags, io),
            baseURL: resolveBaseUrl(flags, io),
            timeout: flags.timeout,
            retry: retryOptionsFrom(flags),
            pacing: pacingOptionsFrom({ ...flags, concurrency: undefined }),
          }
        : undefined,
    resumeCommand,
  };
}

export async function queuedBatchCommand(
  options: QueuedBatchCommandOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  // Only local workers send requests from here; without them no client (and no key) is needed.
  const client = options.clientOptions ? createClient(options.clientOptions) : undefined;
  try {
    return await runQueuedBatch(client, options, io);
  } finally {
    await client?.close();
  }
}

async function runQueuedBatch(
  client: ClaudeRetryClient | undefined,
  options: QueuedBatchCommandOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  const progress = new BatchProgress(io.stderr);
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  let started = false;
  const onEvent = (event: DistributedBatchEvent) => {
    const text = describeQueueEvent(event, options.queue, queueName);
    if (text) progress.log(text);
    if (event.type === 'start') started = true;
    if (isBatchEvent(event)) progress.handle(event);
  };
  const { exitCode } = await showBatchRun(
    async () => {
      if (client) await connectSharedPacing(client, (line) => progress.log(line));
      return runDistributedBatch({
        ...commonBatchOptions(options, io),
        queue: options.queue,
        ...(options.queueName !== undefined ? { queueName: options.queueName } : {}),
        localWorkers: options.localWorkers,
        ...(options.enqueueAhead !== undefined ? { enqueueAhead: options.enqueueAhead } : {}),
        ...(options.worker ? { worker: options.worker } : {}),
        ...(client ? { client } : {}),
        onEvent,
      });
    },
    {
      progress,
      io,
      output: options.output,
      resumeCommand: options.resumeCommand,
      hasStarted: () => started,
      moreLines: queueSummaryLines,
    },
  );
  return exitCode;
}

function isBatchEvent(event: DistributedBatchEvent): event is Parameters<BatchProgress['handle']>[0] {
  return !['connection', 'requeued', 'workers', 'warning', 'workerEvent'].includes(event.type);
}

/** The line to show for an event of the queue (undefined for the batch's own events). */
export function describeQueueEvent(
  event: DistributedBatchEvent,
  url: string,
  queueName: string,
): string | undefined {
  switch (event.type) {
    case 'stopping':
      return event.how === 'stop'
        ? 'Stopping: taking the unstarted jobs back out of the queue; waiting for those in flight (Ctrl-C again to leave them to the workers)...'
        : event.how === 'abort'
          ? 'Leaving the jobs in the queue: the workers go on with them, and running the same command again collects their results.'
          : 'Stopping because of the error below...';
    case 'connection':
      return event.state === 'lost'
        ? `Lost the connection to Redis (${event.detail}): reconnecting. Results already written are safe; workers keep their finished results in Redis until it is back.`
        : 'Reconnected to Redis: collecting results again.';
    case 'requeued':
      return `${event.count} job${event.count === 1 ? '' : 's'} had vanished from Redis (restarted without its data?) and ${event.count === 1 ? 'was' : 'were'} queued again.`;
    case 'workers':
      return event.count > 0
        ? undefined
        : `No worker is connected to queue "${queueName}" yet; start some (the jobs wait in the queue meanwhile):\n  claude-retry worker --queue ${redactRedisUrl(url)}${queueName === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${queueName}`}`;
    case 'warning':
      return `Warning: ${event.message}`;
    case 'workerEvent':
      return event.event.type === 'warning' ? `Local worker: ${event.event.message}` : undefined;
    default:
      return undefined;
  }
}

export function queueSummaryLines(summary: DistributedBatchSummary): string[] {
  const lines: string[] = [];
  const jobs = (n: number) => `${n} job${n === 1 ? '' : 's'}`;
  if (summary.withdrawn > 0) {
    lines.push(
      `${jobs(summary.withdrawn)} not yet started were taken back out of the queue; they run when you resume.`,
    );
  }
  if (summary.leftInQueue > 0) {
    lines.push(
      `${jobs(summary.leftInQueue)} ${summary.leftInQueue === 1 ? 'was' : 'were'} left in the queue: workers go on with them, and the next run collects their results.`,
    );
  }
  if (summary.workerFailures > 0) {
    lines.push(
      `${jobs(summary.workerFailures)} failed in the workers (recorded as errored, type worker_error).`,
    );
  }
  if (summary.requeued > 0)
    lines.push(`${jobs(summary.requeued)} had to be queued again after Redis lost them.`);
  return lines;
}
