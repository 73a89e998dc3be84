/**
 * `claude-retry worker --queue redis://...`: takes the jobs of `claude-retry batch --queue` runs and
 * sends them, any number of processes on any number of machines. Ctrl-C or SIGTERM: no new job,
 * the ones in flight finish; a second Ctrl-C hands them back to the queue at once.
 */
import type { Command } from 'commander';
import { type ClaudeRetryClient, type ClientOptions, createClient } from '../../client/create-client.js';
import { WORKER_DEFAULTS } from '../../distributed/defaults.js';
import { DEFAULT_QUEUE_NAME } from '../../distributed/jobs.js';
import type { WorkerEvent, WorkerReport } from '../../distributed/types.js';
import type { RetryOptions } from '../../retry/options.js';
import {
  type ApiFlags,
  addApiFlags,
  pacingOptionsFrom,
  resolveApiKey,
  resolveBaseUrl,
  retryOptionsFrom,
} from '../api-flags.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { positiveInteger, secondsToMs } from '../parse.js';
import type { ProgramContext } from '../program.js';
import { connectSharedPacing } from '../shared-pacing.js';
import { flagsTyped } from './batch.js';

export interface WorkerCommandOptions {
  queue: string;
  queueName?: string | undefined;
  concurrency: number;
  lockDurationMs?: number | undefined;
  stalledIntervalMs?: number | undefined;
  apiKey: string;
  baseURL?: string | undefined;
  timeout?: number | undefined;
  retry: RetryOptions;
  pacing: ClientOptions['pacing'];
  debug: boolean;
  /** A graceful stop besides Ctrl-C (the CLI wires the first SIGTERM to it). */
  stopSignal?: AbortSignal | undefined;
  /** A hard stop besides the second Ctrl-C (the CLI wires a second SIGTERM to it). */
  forceSignal?: AbortSignal | undefined;
  /** Between two status lines. @default 10000 */
  statusIntervalMs?: number;
  /** More client options (tests inject a clock). */
  client?: Partial<ClientOptions>;
}

export async function workerCommand(options: WorkerCommandOptions, io: CliIO): Promise<ExitCodeValue> {
  const client = createClient({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeout,
    retry: options.retry,
    pacing: options.pacing,
    ...options.client,
  });
  try {
    return await runWorker(client, options, io);
  } finally {
    // The Redis connection of --redis must not keep the process alive.
    await client.close();
  }
}

async function runWorker(
  client: ClaudeRetryClient,
  options: WorkerCommandOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  // --redis: shared pacing; Redis unreachable is a clear error before any job is taken.
  await connectSharedPacing(client, say);
  // BullMQ is loaded only by the commands that use it, so every other command starts faster.
  const { startBatchWorker } = await import('../../distributed/worker.js');
  const worker = await startBatchWorker({
    queue: options.queue,
    ...(options.queueName !== undefined ? { queueName: options.queueName } : {}),
    concurrency: options.concurrency,
    ...(options.lockDurationMs !== undefined ? { lockDurationMs: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs !== undefined ? { stalledIntervalMs: options.stalledIntervalMs } : {}),
    client,
    onEvent: (event) => {
      const text = describeWorkerEvent(event, options.debug);
      if (text) say(text);
    },
  });
  let lastStatus = '';
  const timer = setInterval(() => {
    const status = statusLine(worker.report());
    if (status !== lastStatus) say(`[worker] ${status}`);
    lastStatus = status;
  }, options.statusIntervalMs ?? 10_000);
  timer.unref();

  const why = await new Promise<'interrupt' | 'terminate' | 'fatal'>((resolve) => {
    if (io.signal.aborted) resolve('interrupt');
    if (options.stopSignal?.aborted) resolve('terminate');
    io.signal.addEventListener('abort', () => resolve('interrupt'), { once: true });
    options.stopSignal?.addEventListener('abort', () => resolve('terminate'), { once: true });
    worker.fatal.then(() => resolve('fatal'));
  });
  clearInterval(timer);
  if (why !== 'fatal') {
    say(
      'Stopping: no new jobs; finishing the ones in flight (Ctrl-C again to hand them back to the queue)...',
    );
  }
  const onForce = () => {
    say('Handing the jobs in flight back to the queue...');
    void worker.abort();
  };
  const forceSignals = [io.forceSignal, options.forceSignal].filter((signal) => signal !== undefined);
  for (const signal of forceSignals) signal.addEventListener('abort', onForce, { once: true });
  const report = await (why === 'fatal' || forceSignals.some((signal) => signal.aborted)
    ? worker.abort()
    : worker.close());
  for (const signal of forceSignals) signal.removeEventListener('abort', onForce);
  say(`Worker ${worker.name} stopped: ${statusLine(report)}.`);
  if (why === 'fatal') {
    say(
      "The API refused this worker's key, so it stopped; its jobs went back to the queue for other workers.",
    );
    throw await worker.fatal;
  }
  return why === 'interrupt' ? ExitCode.Interrupted : ExitCode.Success;
}

export function statusLine(report: WorkerReport): string {
  const done = report.succeeded + report.errored;
  const back = report.handedBack > 0 ? `, ${report.handedBack} handed back to the queue` : '';
  return (
    `${done} job${done === 1 ? '' : 's'} done (${report.succeeded} succeeded, ${report.errored} errored)${back}; ` +
    `retries: ${report.retries}; 429 answers: ${report.rateLimited}`
  );
}

export function describeWorkerEvent(event: WorkerEvent, debug: boolean): string | undefined {
  switch (event.type) {
    case 'ready':
      return (
        `Worker ${event.name} takes jobs from queue "${event.queueName}" at ${event.queue}, ${event.concurrency} at a time. ` +
        'Ctrl-C or SIGTERM stops it after the jobs in flight.'
      );
    case 'job':
      return debug
        ? `[job] ${event.customId} (line ${event.line}): ${event.outcome}${event.retries > 0 ? ` after ${event.retries} retries` : ''}`
        : undefined;
    case 'stalled':
      return `A job whose worker stopped answering was put back in the queue (${event.jobId}).`;
    case 'connection':
      return event.state === 'lost'
        ? `Lost the connection to Redis (${event.detail}): reconnecting. Requests in flight go on; their results are stored once Redis is back.`
        : 'Reconnected to Redis: taking jobs again.';
    case 'warning':
      return `Warning: ${event.message}`;
    case 'client':
      return debug ? `[debug] ${JSON.stringify(event.event, debugReplacer)}` : undefined;
  }
}

function debugReplacer(key: string, value: unknown): unknown {
  if (key === 'error' && value instanceof Error) {
    return { name: value.name, message: value.message, status: (value as { status?: number }).status };
  }
  return value;
}

interface WorkerFlags extends ApiFlags {
  queue: string;
  queueName?: string;
  lockDuration?: number;
  stalledInterval?: number;
}

export function registerWorker(program: Command, context: ProgramContext): void {
  addApiFlags(
    program
      .command('worker')
      .description(
        'take the jobs of `batch --queue` runs from a Redis queue and send them (run as many as you like, anywhere)',
      )
      .requiredOption('--queue <url>', 'Redis URL of the job queue, e.g. redis://127.0.0.1:6379')
      .option(
        '--queue-name <name>',
        `BullMQ queue name, the same as the batch's (default: ${DEFAULT_QUEUE_NAME})`,
      )
      .option(
        '-c, --concurrency <n>',
        `jobs (requests) in flight at once (default: ${WORKER_DEFAULTS.concurrency})`,
        positiveInteger('--concurrency'),
      )
      .option(
        '--lock-duration <seconds>',
        `how long a job stays locked without renewal; a dead worker's jobs go to others after it (default: ${WORKER_DEFAULTS.lockDurationMs / 1000})`,
        secondsToMs('--lock-duration'),
      )
      .option(
        '--stalled-interval <seconds>',
        `between two checks for jobs of dead workers (default: ${WORKER_DEFAULTS.stalledIntervalMs / 1000})`,
        secondsToMs('--stalled-interval'),
      ),
    { requestDefaults: false },
  ).action((_local: WorkerFlags, command: Command) => {
    const flags = flagsTyped(command) as unknown as WorkerFlags;
    context.run = async (io) => {
      // SIGTERM (a process manager, `kill`) stops gracefully, like the first Ctrl-C; a second one
      // hands the jobs in flight back, like the second Ctrl-C.
      const terminate = new AbortController();
      const force = new AbortController();
      const onTerm = () => (terminate.signal.aborted ? force.abort() : terminate.abort());
      process.on('SIGTERM', onTerm);
      try {
        return await workerCommand(
          {
            queue: flags.queue,
            queueName: flags.queueName,
            concurrency: flags.concurrency ?? WORKER_DEFAULTS.concurrency,
            lockDurationMs: flags.lockDuration,
            stalledIntervalMs: flags.stalledInterval,
            apiKey: resolveApiKey(flags, io),
            baseURL: resolveBaseUrl(flags, io),
            timeout: flags.timeout,
            retry: retryOptionsFrom(flags),
            pacing: pacingOptionsFrom({ ...flags, concurrency: undefined }),
            debug: Boolean(flags.debug),
            stopSignal: terminate.signal,
            forceSignal: force.signal,
          },
          io,
        );
      } finally {
        process.off('SIGTERM', onTerm);
      }
    };
  });
}
