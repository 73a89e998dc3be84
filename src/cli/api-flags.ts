/** Flags shared by every command that calls the API, and how they resolve against the environment. */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { ClientPacingOptions } from '../pacing/shared-store.js';
import type { RetryOptions } from '../retry/options.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { jitterName, positiveInteger, secondsToMs } from './parse.js';
import { UsageError } from './report-error.js';

export const DEFAULT_PROMPT = 'Hello! Please respond with a short greeting.';
export const DEFAULT_MODEL = 'claude-sonnet-4-20250514';
export const DEFAULT_MAX_TOKENS = 1000;

/** Flags shared by every command that calls the API. */
export interface ApiFlags {
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  maxTokens?: number;
  maxAttempts?: number;
  baseDelay?: number;
  maxDelay?: number;
  jitter?: RetryOptions['jitter'];
  timeout?: number;
  deadline?: number;
  debug?: boolean;
  /** False with --no-pacing. */
  pacing?: boolean;
  rpm?: number;
  itpm?: number;
  otpm?: number;
  concurrency?: number;
  /** --redis: share pacing with every process using the same API key. */
  redis?: string;
}

/**
 * Adds the flags of every API-calling command. `requestDefaults: false` leaves out --model and
 * --max-tokens, for a command whose requests come complete (the queue worker).
 */
export function addApiFlags(command: Command, { requestDefaults = true } = {}): Command {
  addPacingFlags(command);
  command
    .option(
      '--api-key <key>',
      'API key (default: $ANTHROPIC_API_KEY); prefer the variable, flags show up in shell history',
    )
    .option(
      '--base-url <url>',
      'API base URL (default: $ANTHROPIC_BASE_URL, else https://api.anthropic.com)',
    );
  if (requestDefaults) {
    command
      .option('-m, --model <model>', `model (default: $ANTHROPIC_MODEL, else ${DEFAULT_MODEL})`)
      .option(
        '--max-tokens <n>',
        `max_tokens (default: ${DEFAULT_MAX_TOKENS})`,
        positiveInteger('--max-tokens'),
      );
  }
  return command
    .option(
      '--max-attempts <n>',
      'attempts in all, the first included (default: 5)',
      positiveInteger('--max-attempts'),
    )
    .option(
      '--base-delay <seconds>',
      'delay before the first retry (default: 1)',
      secondsToMs('--base-delay'),
    )
    .option(
      '--max-delay <seconds>',
      'longest wait between attempts (default: 60)',
      secondsToMs('--max-delay'),
    )
    .addOption(
      new Option(
        '--jitter <strategy>',
        'backoff jitter: none, additive, full, equal, decorrelated (default: full)',
      ).argParser(jitterName),
    )
    .option('--timeout <seconds>', 'time limit for one attempt (default: 600)', secondsToMs('--timeout'))
    .option(
      '--deadline <seconds>',
      'time limit for the whole call, retries included',
      secondsToMs('--deadline'),
    )
    .option('--debug', 'print every request, answer and retry event to stderr (the API key is never shown)');
}

function addPacingFlags(command: Command): void {
  command
    .option('--no-pacing', 'send at once and rely on retries alone (pacing is on by default)')
    .option(
      '--rpm <n>',
      'requests per minute you may send (default: learned from the API)',
      positiveInteger('--rpm'),
    )
    .option(
      '--itpm <n>',
      'input tokens per minute you may send (default: learned)',
      positiveInteger('--itpm'),
    )
    .option(
      '--otpm <n>',
      'output tokens per minute you may send (default: learned)',
      positiveInteger('--otpm'),
    )
    .option(
      '--redis <url>',
      'share pacing with every process and machine using this API key, through Redis (e.g. redis://127.0.0.1:6379)',
    );
  // A command with its own --concurrency (batch: requests in flight) already caps what is in flight.
  if (!command.options.some((option) => option.long === '--concurrency')) {
    command.option(
      '--concurrency <n>',
      'most requests in flight at once (default: 256)',
      positiveInteger('--concurrency'),
    );
  }
}

/** The client's `pacing` option from the flags: false for --no-pacing. */
export function pacingOptionsFrom(flags: ApiFlags): ClientPacingOptions | false {
  if (flags.pacing === false) {
    if (flags.redis !== undefined) {
      throw new UsageError('--redis shares the pacing, which --no-pacing turns off: drop one of the two.');
    }
    return false;
  }
  if (flags.redis !== undefined && !/^rediss?:\/\/./.test(flags.redis)) {
    throw new UsageError(`--redis expects a Redis URL such as redis://127.0.0.1:6379, got "${flags.redis}".`);
  }
  return {
    ...(flags.redis !== undefined ? { store: flags.redis } : {}),
    ...(flags.rpm !== undefined ? { rpm: flags.rpm } : {}),
    ...(flags.itpm !== undefined ? { itpm: flags.itpm } : {}),
    ...(flags.otpm !== undefined ? { otpm: flags.otpm } : {}),
    ...(flags.concurrency !== undefined ? { maxConcurrency: flags.concurrency } : {}),
  };
}

export function retryOptionsFrom(flags: ApiFlags): RetryOptions {
  return {
    ...(flags.maxAttempts !== undefined ? { maxAttempts: flags.maxAttempts } : {}),
    ...(flags.baseDelay !== undefined ? { baseDelay: flags.baseDelay } : {}),
    ...(flags.maxDelay !== undefined ? { maxDelay: flags.maxDelay } : {}),
    ...(flags.jitter !== undefined ? { jitter: flags.jitter } : {}),
    ...(flags.deadline !== undefined ? { deadline: flags.deadline } : {}),
  };
}

export const MISSING_KEY_MESSAGE = [
  'No API key found.',
  'Set one for this shell:   export ANTHROPIC_API_KEY=sk-ant-...   (PowerShell: $env:ANTHROPIC_API_KEY="sk-ant-...")',
  'or pass it directly:      claude-retry --api-key sk-ant-... "Your prompt"',
  'Keys are made at https://console.anthropic.com/settings/keys.',
  'To try claude-retry without a key, run the demo against the built-in simulated API:   npx claude-retry demo',
].join('\n');

export function resolveApiKey(flags: ApiFlags, io: CliIO): string {
  const key = flags.apiKey ?? io.env.ANTHROPIC_API_KEY;
  if (!key || key.trim() === '') throw new UsageError(MISSING_KEY_MESSAGE, ExitCode.Auth);
  return key.trim();
}

export function resolveModel(flags: ApiFlags, io: CliIO): string {
  return flags.model ?? io.env.ANTHROPIC_MODEL ?? DEFAULT_MODEL;
}

export function resolveBaseUrl(flags: ApiFlags, io: CliIO): string | undefined {
  const url = flags.baseUrl ?? io.env.ANTHROPIC_BASE_URL;
  if (url === undefined || url === '') return undefined;
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--base-url expects a URL such as http://127.0.0.1:8080, got "${url}".`);
  }
  return url;
}
