/**
 * runDistributedBatch: the single-process batch's guarantees (resumable, exactly one line per
 * custom_id, the same results file) with the requests sent by `claude-retry worker` processes
 * through a BullMQ queue. This file checks everything before a job is queued; queue-run.ts runs it.
 */

import type { InputFormat } from '../batch/input.js';
import { lockResults } from '../batch/lock.js';
import { type CheckedPaths, checkPaths, STDIN } from '../batch/paths.js';
import { formatOf } from '../batch/runner.js';
import { checkAllLines, type InputSource, sourceFor, spoolStdin } from '../batch/source.js';
import { type ClaudeRetryClient, createClient } from '../client/create-client.js';
import { ConfigurationError } from '../errors.js';
import { runQueued } from './queue-run.js';
import { checkRedisUrl, RedisHealth } from './redis.js';
import type { DistributedBatchOptions, DistributedBatchSummary } from './types.js';
import { checkQueueName } from './worker.js';

export const COORDINATOR_DEFAULTS = { localWorkers: 0, enqueueAhead: 1000, sweepIntervalMs: 5000 } as const;

function whole(name: string, value: number | undefined, fallback: number, min: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ConfigurationError(
      `Invalid batch option \`${name}\`: expected a whole number >= ${min}, got ${String(value)}.`,
    );
  }
  return n;
}

export async function runDistributedBatch(
  options: DistributedBatchOptions,
): Promise<DistributedBatchSummary> {
  const url = checkRedisUrl(options.queue);
  const queueName = checkQueueName(options.queueName);
  const localWorkers = whole('localWorkers', options.localWorkers, COORDINATOR_DEFAULTS.localWorkers, 0);
  const enqueueAhead = whole('enqueueAhead', options.enqueueAhead, COORDINATOR_DEFAULTS.enqueueAhead, 1);
  const sweepIntervalMs = whole(
    'sweepIntervalMs',
    options.sweepIntervalMs,
    COORDINATOR_DEFAULTS.sweepIntervalMs,
    10,
  );
  const format = formatOf(options);
  const paths = await checkPaths(options.input, options.output, options.cwd ?? process.cwd());
  // Only a coordinator that works on jobs itself sends requests, so only it needs a key.
  const ownClient = localWorkers > 0 && !options.client ? createClient(options.clientOptions) : undefined;
  const client = localWorkers > 0 ? (options.client ?? ownClient) : undefined;
  try {
    return await coordinate(options, {
      url,
      queueName,
      localWorkers,
      enqueueAhead,
      sweepIntervalMs,
      format,
      paths,
      client,
    });
  } finally {
    // A client made here may hold a Redis connection (shared pacing) that must not keep the process alive.
    await ownClient?.close();
  }
}

interface Checked {
  readonly url: string;
  readonly queueName: string;
  readonly localWorkers: number;
  readonly enqueueAhead: number;
  readonly sweepIntervalMs: number;
  readonly format: InputFormat;
  readonly paths: CheckedPaths;
  readonly client: ClaudeRetryClient | undefined;
}

async function coordinate(
  options: DistributedBatchOptions,
  checked: Checked,
): Promise<DistributedBatchSummary> {
  const { url, paths, format } = checked;
  // Before reading the input or touching the results file: Redis down is a clear error, at once.
  const health = await RedisHealth.connect(url, {
    ...(options.connectTimeoutMs !== undefined ? { timeoutMs: options.connectTimeoutMs } : {}),
    onChange: (change) => options.onEvent?.({ type: 'connection', ...change }),
  });
  const stdin = options.stdin ?? process.stdin;
  let source: InputSource = sourceFor(paths.input, stdin);
  try {
    let total: number | undefined;
    if (options.strict) {
      if (paths.input === STDIN) source = await spoolStdin(stdin);
      total = await checkAllLines(
        source,
        format,
        options.defaults ?? {},
        paths.input === STDIN ? 'stdin' : paths.input,
      );
    }
    const lock = await lockResults(paths.output);
    try {
      return await runQueued({ ...checked, options, source, output: paths.output, total });
    } finally {
      await lock.release();
    }
  } finally {
    await health.close();
    await source.dispose();
  }
}
