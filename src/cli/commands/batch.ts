/**
 * `claude-retry batch <input.jsonl|-> -o <results.jsonl>`: runs a Message Batches-format file
 * through the retrying client, resumable and exactly once per custom_id (see src/batch).
 */
import type { Command } from 'commander';
import { BatchProgress } from '../../batch/progress.js';
import { BATCH_DEFAULTS, runBatch } from '../../batch/runner.js';
import type { BatchEvent } from '../../batch/types.js';
import { type ClaudeRetryClient, type ClientOptions, createClient } from '../../client/create-client.js';
import type { RetryOptions } from '../../retry/options.js';
import {
  type ApiFlags,
  addApiFlags,
  DEFAULT_MAX_TOKENS,
  pacingOptionsFrom,
  resolveApiKey,
  resolveBaseUrl,
  resolveModel,
  retryOptionsFrom,
} from '../api-flags.js';
import { commonBatchOptions, showBatchRun } from '../batch-outcome.js';
import type { ExitCodeValue } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { positiveInteger } from '../parse.js';
import type { ProgramContext } from '../program.js';
import { connectSharedPacing } from '../shared-pacing.js';

export interface BatchCommandOptions {
  input: string;
  output: string;
  concurrency: number;
  model: string;
  maxTokens: number;
  /** Read the input as one prompt per line, whatever its name. */
  prompts: boolean;
  retryErrored: boolean;
  strict: boolean;
  apiKey: string;
  baseURL?: string | undefined;
  timeout?: number | undefined;
  retry: RetryOptions;
  debug: boolean;
  /** The command line that runs this batch again, printed when it stops early or lines errored. */
  resumeCommand: string;
  /** More client options (pacing; tests inject a clock). */
  client?: Partial<ClientOptions>;
}

export async function batchCommand(options: BatchCommandOptions, io: CliIO): Promise<ExitCodeValue> {
  const client = createClient({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeout,
    retry: options.retry,
    ...options.client,
  });
  try {
    return await runWithClient(client, options, io);
  } finally {
    // The Redis connection of --redis must not keep the process alive.
    await client.close();
  }
}

async function runWithClient(
  client: ClaudeRetryClient,
  options: BatchCommandOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  if (options.input === '-' && (io.stdin as { isTTY?: boolean }).isTTY) {
    io.stderr.write(
      'Reading JSONL lines from the terminal; end with Ctrl-D (or pipe a file: ... | claude-retry batch -).\n',
    );
  }
  const progress = new BatchProgress(io.stderr);
  let started = false;
  const onEvent = (event: BatchEvent) => {
    if (event.type === 'start') started = true;
    if (event.type === 'stopping') progress.log(stoppingMessage(event.how));
    if (options.debug && event.type === 'client')
      progress.log(`[debug] ${JSON.stringify(event.event, debugReplacer)}`);
    progress.handle(event);
  };
  await connectSharedPacing(client, (line) => progress.log(line));
  const { summary, exitCode } = await showBatchRun(
    () => runBatch({ ...commonBatchOptions(options, io), client, concurrency: options.concurrency, onEvent }),
    { progress, io, output: options.output, resumeCommand: options.resumeCommand, hasStarted: () => started },
  );
  if (options.input === '-' && summary.ended !== 'completed') {
    io.stderr.write('(Feed it the same input on stdin: lines already done are skipped.)\n');
  }
  return exitCode;
}

function stoppingMessage(how: 'stop' | 'abort' | 'failure'): string {
  switch (how) {
    case 'stop':
      return 'Stopping: no new lines are started; waiting for the requests in flight to finish (Ctrl-C again to abort them)...';
    case 'abort':
      return 'Aborting the requests in flight; they are not recorded and will be sent again on resume...';
    case 'failure':
      return 'Stopping because of the error below...';
  }
}

function debugReplacer(key: string, value: unknown): unknown {
  if (key === 'error' && value instanceof Error) {
    return { name: value.name, message: value.message, status: (value as { status?: number }).status };
  }
  return value;
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that runs this batch again: the arguments as typed, minus the API key (it comes from
 * the environment, or must be typed again) and minus --retry-errored (offered separately).
 */
export function resumeCommandFrom(argv: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--api-key') {
      i++;
      continue;
    }
    if (arg.startsWith('--api-key=') || arg === '--retry-errored') continue;
    kept.push(arg);
  }
  return ['claude-retry', ...kept].map(shellQuote).join(' ');
}

interface BatchFlags extends ApiFlags {
  output: string;
  concurrency: number;
  prompts?: boolean;
  retryErrored?: boolean;
  strict?: boolean;
  queue?: string;
  queueName?: string;
  localWorkers?: number;
  enqueueAhead?: number;
}

/**
 * The batch command's flags. The program (the prompt command) has the same API flags, so one typed
 * before `batch` lands there: it counts, unless the same flag was typed after `batch` too.
 * (Not `optsWithGlobals()`: the program's defaults, such as pacing on, would override what was typed.)
 */
export function flagsTyped(command: Command): BatchFlags {
  const flags: Record<string, unknown> = { ...command.opts() };
  const program = command.parent;
  if (program) {
    for (const [key, value] of Object.entries(program.opts())) {
      const typedAbove = program.getOptionValueSource(key) === 'cli';
      if (typedAbove && command.getOptionValueSource(key) !== 'cli') flags[key] = value;
    }
  }
  return flags as unknown as BatchFlags;
}

export function registerBatch(program: Command, context: ProgramContext): void {
  addApiFlags(
    program
      .command('batch')
      .description(
        'run a JSONL file of requests (Message Batches format) with retries; resumable, one result per custom_id',
      )
      .argument(
        '<input>',
        'a .jsonl file of {"custom_id","params"} lines, a .txt file of prompts, or - for stdin',
      )
      .requiredOption('-o, --output <file>', 'results file (JSONL); run the same command again to resume')
      .option(
        '-c, --concurrency <n>',
        `requests in flight at once (default: ${BATCH_DEFAULTS.concurrency})`,
        positiveInteger('--concurrency'),
        BATCH_DEFAULTS.concurrency,
      )
      .option('--prompts', 'read the input as one prompt per line (the default for .txt files)')
      .option('--retry-errored', 'send again the lines whose recorded result is errored')
      .option('--strict', 'check every line first; send nothing if any line is bad')
      .option('--queue <url>', 'send the lines through a Redis job queue, to `claude-retry worker` processes')
      .option(
        '--queue-name <name>',
        "with --queue: the BullMQ queue, the same as the workers' (default: claude-retry)",
      )
      .option(
        '--local-workers <n>',
        'with --queue: also send this many at once from here',
        positiveInteger('--local-workers'),
      )
      .option(
        '--enqueue-ahead <n>',
        'with --queue: most lines in the queue at once (default: 1000)',
        positiveInteger('--enqueue-ahead'),
      ),
  ).action((input: string, _local: BatchFlags, command: Command) => {
    const flags = flagsTyped(command);
    // commander keeps the arguments as typed on the program (undocumented, hence the fallback).
    const raw = (command.parent as unknown as { rawArgs?: unknown } | null)?.rawArgs;
    const argv =
      Array.isArray(raw) && raw.length > 0 ? (raw as string[]) : ['batch', input, '-o', flags.output];
    if (flags.queue !== undefined) {
      context.run = async (io) => {
        // BullMQ and ioredis are loaded only when a queue is used, so a plain batch starts faster.
        const [{ queuedBatchCommand, queuedBatchOptionsFrom }, { redactUrlArgs }] = await Promise.all([
          import('../../distributed/batch-command.js'),
          import('../../distributed/redis.js'),
        ]);
        const resumeCommand = resumeCommandFrom(redactUrlArgs(argv));
        return queuedBatchCommand(
          queuedBatchOptionsFrom(input, { ...flags, queue: flags.queue as string }, resumeCommand, io),
          io,
        );
      };
      return;
    }
    context.run = (io) =>
      batchCommand(
        {
          input,
          output: flags.output,
          concurrency: flags.concurrency,
          model: resolveModel(flags, io),
          maxTokens: flags.maxTokens ?? DEFAULT_MAX_TOKENS,
          prompts: Boolean(flags.prompts),
          retryErrored: Boolean(flags.retryErrored),
          strict: Boolean(flags.strict),
          apiKey: resolveApiKey(flags, io),
          baseURL: resolveBaseUrl(flags, io),
          timeout: flags.timeout,
          retry: retryOptionsFrom(flags),
          debug: Boolean(flags.debug),
          resumeCommand: resumeCommandFrom(argv),
          client: { pacing: pacingOptionsFrom(flags) },
        },
        io,
      );
  });
}
