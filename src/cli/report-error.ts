/** Turns any failure into one clear message for a person and the matching exit code. */
import { isClaudeRetryError, isConfigurationError, isRetryError, type RetryError } from '../errors.js';
import { classifyError } from '../retry/classify.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** A problem with how the command was called: shown as is, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Usage,
  ) {
    super(message);
  }
}

export interface Report {
  exitCode: ExitCodeValue;
  message: string;
}

function apiDetail(error: unknown): string {
  const record = error as {
    error?: { error?: { type?: string; message?: string } };
    requestID?: string | null;
  };
  const body = record?.error?.error;
  const what = body?.type ? `${body.type}: ${body.message ?? ''}`.trim() : '';
  const id = record?.requestID ? ` (request ${record.requestID})` : '';
  return `${what}${id}`;
}

function describeRetryError(error: RetryError): Report {
  const verdict = classifyError(error.cause, Date.now());
  const when = error.retryAt ? ` Try again after ${error.retryAt.toISOString()}.` : '';
  const tries = `${error.attempts} attempt${error.attempts === 1 ? '' : 's'}`;
  const why =
    error.reason === 'retry-after-too-long'
      ? ` The server asked for a longer wait than --max-delay allows.`
      : error.reason === 'deadline'
        ? ' The next wait would have passed the deadline.'
        : error.reason === 'budget-exhausted'
          ? ' The retry budget is spent.'
          : '';
  if (verdict.kind === 'rate_limit') {
    return {
      exitCode: ExitCode.RateLimited,
      message: `Still rate limited after ${tries}.${why}${when} Send fewer requests at once, raise --max-attempts, or ask for a higher rate limit in the Anthropic Console.`,
    };
  }
  if (verdict.kind === 'overloaded') {
    return {
      exitCode: ExitCode.RateLimited,
      message: `The API stayed overloaded (HTTP 529) for ${tries}.${why}${when} This is on Anthropic's side: wait a minute and try again.`,
    };
  }
  if (verdict.kind === 'connection' || verdict.kind === 'timeout') {
    return {
      exitCode: ExitCode.Network,
      message: `Could not get an answer from the API after ${tries} (${verdict.kind === 'timeout' ? 'timed out' : 'connection failed'}).${why} Check your network connection and --base-url / ANTHROPIC_BASE_URL.`,
    };
  }
  return {
    exitCode: ExitCode.Api,
    message: `The API kept failing after ${tries}: HTTP ${verdict.status ?? '?'} ${apiDetail(error.cause)}.${why}${when}`,
  };
}

export function reportError(error: unknown): Report {
  if (error instanceof UsageError) return { exitCode: error.exitCode, message: error.message };
  if (isRetryError(error)) return describeRetryError(error);
  if (isConfigurationError(error)) return { exitCode: ExitCode.Usage, message: error.message };
  const verdict = classifyError(error, Date.now());
  if (verdict.kind === 'aborted') return { exitCode: ExitCode.Interrupted, message: 'Interrupted.' };
  if (verdict.status === 401) {
    return {
      exitCode: ExitCode.Auth,
      message: `Authentication failed (HTTP 401): the API key was refused. ${apiDetail(error)}\nCheck that ANTHROPIC_API_KEY (or --api-key) holds a current key from the Anthropic Console, with no quotes or spaces around it.`,
    };
  }
  if (verdict.status === 403) {
    return {
      exitCode: ExitCode.Auth,
      message: `Permission denied (HTTP 403): this key may not use that model or feature. ${apiDetail(error)}`,
    };
  }
  if (verdict.status !== undefined) {
    return {
      exitCode: ExitCode.Api,
      message: `The API refused the request (HTTP ${verdict.status}). ${apiDetail(error)}`,
    };
  }
  if (verdict.kind === 'connection' || verdict.kind === 'timeout') {
    return {
      exitCode: ExitCode.Network,
      message: `Could not reach the API (${verdict.kind}). Check your network connection and --base-url / ANTHROPIC_BASE_URL.`,
    };
  }
  if (error instanceof Error && error.message.startsWith('Streaming is required')) {
    return {
      exitCode: ExitCode.Usage,
      message:
        'This --max-tokens is too large for a non-streamed request (the SDK refuses calls that may take over 10 minutes). Lower --max-tokens or add --stream.',
    };
  }
  if (isClaudeRetryError(error)) return { exitCode: ExitCode.Internal, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: ExitCode.Internal, message: `Unexpected error: ${message}` };
}
