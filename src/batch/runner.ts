/**
 * runBatch: sends every line of a JSONL input through the client, a few at a time, and records
 * exactly one result per custom_id in the results file, resuming where an earlier run stopped.
 */
import { setMaxListeners } from 'node:events';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { type ClaudeRetryClient, createClient } from '../client/create-client.js';
import type { ClientEvent } from '../client/events.js';
import { ClaudeRetryError, ConfigurationError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { ItemFeed } from './feed.js';
import { type InputFormat, type InputItem, readInput } from './input.js';
import { ResultsJournal } from './journal.js';
import { lockResults } from './lock.js';
import { checkPaths, STDIN } from './paths.js';
import {
  describeFailure,
  erroredLine,
  type ResultError,
  type ResultMeta,
  succeededLine,
} from './result-lines.js';
import { compactResults, scanResults } from './results-file.js';
import { checkAllLines, type InputSource, sourceFor, spoolStdin } from './source.js';
import { announceStart, Tally } from './tally.js';
import { InputTriage } from './triage.js';
import type { BatchEvent, BatchOptions, BatchSummary } from './types.js';

export const BATCH_DEFAULTS = { concurrency: 8, syncIntervalMs: 200 } as const;

function checkConcurrency(value: number | undefined): number {
  const concurrency = value ?? BATCH_DEFAULTS.concurrency;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new ConfigurationError(
      `Invalid batch option \`concurrency\`: expected a whole number >= 1, got ${String(value)}.`,
    );
  }
  return concurrency;
}

export function formatOf(options: Pick<BatchOptions, 'format' | 'input'>): InputFormat {
  const format = options.format ?? 'auto';
  if (format === 'auto') return options.input.toLowerCase().endsWith('.txt') ? 'prompts' : 'jsonl';
  if (format !== 'jsonl' && format !== 'prompts') {
    throw new ConfigurationError(
      `Invalid batch option \`format\`: use jsonl, prompts or auto, got ${String(format)}.`,
    );
  }
  return format;
}

/** An authentication failure will fail every other line too: stop instead of recording each one. */
function isFatal(error: unknown): boolean {
  return (error as { status?: unknown })?.status === 401;
}

export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const concurrency = checkConcurrency(options.concurrency);
  const format = formatOf(options);
  const paths = await checkPaths(options.input, options.output, options.cwd ?? process.cwd());
  const stdin = options.stdin ?? process.stdin;
  const client = options.client ?? createClient(options.clientOptions);
  const defaults = options.defaults ?? {};
  let source: InputSource = sourceFor(paths.input, stdin);
  let total: number | undefined;
  try {
    if (options.strict) {
      if (paths.input === STDIN) source = await spoolStdin(stdin);
      total = await checkAllLines(source, format, defaults, paths.input === STDIN ? 'stdin' : paths.input);
    }
    const lock = await lockResults(paths.output);
    try {
      return await run({ options, client, source, format, output: paths.output, concurrency, total });
    } finally {
      await lock.release();
    }
  } finally {
    await source.dispose();
  }
}

interface RunPlan {
  options: BatchOptions;
  client: ClaudeRetryClient;
  source: InputSource;
  format: InputFormat;
  output: string;
  concurrency: number;
  total: number | undefined;
}

async function run(plan: RunPlan): Promise<BatchSummary> {
  const { options, client } = plan;
  const emit = (event: BatchEvent) => options.onEvent?.(event);
  const clock: Clock = options.clock ?? client.options.clock ?? systemClock;
  const secrets = [client.options.apiKey ?? process.env.ANTHROPIC_API_KEY ?? ''];
  const started = clock.now();

  const { index, repaired } = await scanResults(plan.output);
  const journal = await ResultsJournal.open(plan.output, {
    syncIntervalMs: options.syncIntervalMs ?? BATCH_DEFAULTS.syncIntervalMs,
  });
  const tally = new Tally(repaired);
  const unsubscribe = (['request', 'response', 'retry', 'giveUp', 'pacing'] as const).map((type) =>
    client.on(type, (event) => {
      // One listener per type, so the payload is that type's member of the union.
      const clientEvent = event as ClientEvent;
      tally.noteClientEvent(clientEvent);
      emit({ type: 'client', event: clientEvent });
    }),
  );

  // `inflight` aborts requests; `stopping` only stops taking lines.
  const inflight = new AbortController();
  // Every request in flight listens to it (SDK, retry sleeps, pacing): the count is bounded by
  // `concurrency`, so Node's leak warning at 10 listeners would only be noise.
  setMaxListeners(0, inflight.signal);
  let stopping: 'stop' | 'abort' | 'failure' | undefined;
  let failure: unknown;
  const stream = plan.source.open();
  const feed = new ItemFeed(readInput(stream, plan.format, options.defaults ?? {}));
  const stop = (how: 'stop' | 'abort' | 'failure') => {
    if (how === 'abort' || how === 'failure') inflight.abort();
    if (stopping === undefined || (how === 'abort' && stopping !== 'abort')) {
      stopping = how;
      emit({ type: 'stopping', how });
    }
    feed.stop();
  };
  const fail = (error: unknown) => {
    failure ??= error;
    stop('failure');
  };
  const onStop = () => stop('stop');
  const onAbort = () => stop('abort');
  options.stopSignal?.addEventListener('abort', onStop);
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) onAbort();
  else if (options.stopSignal?.aborted) onStop();

  announceStart(emit, {
    total: plan.total,
    inputPath: plan.source.path,
    results: { index, repaired },
    retryErrored: Boolean(options.retryErrored),
  });

  const triage = new InputTriage(index, tally, Boolean(options.retryErrored), emit);

  async function record(line: string): Promise<boolean> {
    try {
      await journal.append(line);
      return true;
    } catch (error) {
      const why = (error as Error).message;
      fail(
        new ClaudeRetryError(
          `Could not write to ${plan.output}: ${why}. The results written so far are safe; fix this and run the same command again to resume.`,
          { cause: error },
        ),
      );
      return false;
    }
  }

  /** Writes an errored result for `item`; false when the line could not be written. */
  async function recordErrored(item: InputItem, error: ResultError, meta: ResultMeta): Promise<boolean> {
    if (!(await record(erroredLine(item.customId, error, meta)))) return false;
    index.record(item.customId, 'errored');
    tally.errored++;
    emit({ type: 'result', outcome: 'errored', customId: item.customId, line: item.line, usage: undefined });
    return true;
  }

  async function handle(input: InputItem): Promise<void> {
    const verdict = triage.judge(input);
    if (verdict.action === 'drop') return;
    if (verdict.action === 'invalid') {
      const { item } = verdict;
      const error = { type: 'invalid_request_error', message: `Input line ${item.line}: ${item.message}` };
      if (await recordErrored(item, error, { attempts: 0, line: item.line, retryable: false }))
        tally.invalid++;
      return;
    }
    await send(verdict.item);
  }

  async function send(item: Extract<InputItem, { kind: 'request' }>): Promise<void> {
    const begun = clock.now();
    let attempts = 1;
    const userOnRetry = client.options.retry?.onRetry;
    let message: Message;
    try {
      message = await client.messages.create(item.params, {
        signal: inflight.signal,
        retry: {
          onRetry: (event) => {
            attempts = event.attempt + 1;
            userOnRetry?.(event);
          },
        },
      });
    } catch (error) {
      if (inflight.signal.aborted) {
        tally.interrupted++; // Not recorded: the next run sends it again.
        return;
      }
      if (isFatal(error)) return fail(error);
      const described = describeFailure(error, secrets);
      const meta = {
        attempts,
        request_id: described.requestId,
        duration_ms: clock.now() - begun,
        line: item.line,
        retryable: described.retryable,
      };
      await recordErrored(item, { type: described.type, message: described.message }, meta);
      return;
    }
    const requestId = (message as { _request_id?: string | null })._request_id ?? undefined;
    const meta = { attempts, request_id: requestId, duration_ms: clock.now() - begun, line: item.line };
    if (await record(succeededLine(item.customId, message, meta))) {
      index.record(item.customId, 'succeeded');
      tally.succeed(message.usage);
      emit({
        type: 'result',
        outcome: 'succeeded',
        customId: item.customId,
        line: item.line,
        usage: message.usage,
      });
    }
  }

  async function worker(): Promise<void> {
    for (let item = await feed.take(); item !== undefined; item = await feed.take()) await handle(item);
  }

  let compacted = false;
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, () => worker().catch(fail)));
  } finally {
    options.stopSignal?.removeEventListener('abort', onStop);
    options.signal?.removeEventListener('abort', onAbort);
    for (const off of unsubscribe) off();
    if (stopping) (stream as { destroy?: () => void }).destroy?.();
    await journal.close();
  }
  // After a hard stop the file stays a journal (the last line per id wins); the next run compacts it.
  if (index.repeated > 0 && stopping !== 'abort') {
    await compactResults(plan.output, index);
    compacted = true;
  }
  if (failure !== undefined) throw failure;
  const ended = stopping === 'abort' ? 'aborted' : stopping === 'stop' ? 'stopped' : 'completed';
  return tally.summary(plan.output, ended, clock.now() - started, compacted);
}
