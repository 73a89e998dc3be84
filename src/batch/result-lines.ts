/**
 * The results file's lines, in the Message Batches API's shape: `custom_id` and `result` exactly as
 * documented, plus our own facts in a sibling `claude_retry` object that readers of the official
 * format simply ignore.
 */
import { AnthropicError, APIError } from '@anthropic-ai/sdk';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { isRetryError } from '../errors.js';
import { classifyError, type FailureKind } from '../retry/classify.js';

/** Our own facts about how a line's result was obtained. */
export interface ResultMeta {
  /** Attempts made (0 for a line refused locally). */
  readonly attempts: number;
  /** `request-id` of the last answer, when there was one. */
  readonly request_id?: string | undefined;
  /** From the first attempt to the result, retries and waits included. */
  readonly duration_ms?: number | undefined;
  /** The input line. */
  readonly line: number;
  /** For an errored line: would trying again later plausibly succeed (`--retry-errored`)? */
  readonly retryable?: boolean | undefined;
}

export interface ResultError {
  readonly type: string;
  readonly message: string;
}

export type BatchResultLine =
  | { custom_id: string; result: { type: 'succeeded'; message: Message }; claude_retry: ResultMeta }
  | { custom_id: string; result: { type: 'errored'; error: ResultError }; claude_retry: ResultMeta };

export function succeededLine(customId: string, message: Message, meta: ResultMeta): string {
  return JSON.stringify({ custom_id: customId, result: { type: 'succeeded', message }, claude_retry: meta });
}

export function erroredLine(customId: string, error: ResultError, meta: ResultMeta): string {
  return JSON.stringify({ custom_id: customId, result: { type: 'errored', error }, claude_retry: meta });
}

/** The API's error type for a failure that came with no error body. */
const TYPE_OF_KIND: Partial<Record<FailureKind, string>> = {
  rate_limit: 'rate_limit_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
};

interface ApiErrorLike {
  type?: unknown;
  apiMessage?: unknown;
  message?: unknown;
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out;
}

export interface DescribedFailure extends ResultError {
  readonly retryable: boolean;
  readonly requestId: string | undefined;
  readonly kind: FailureKind;
  readonly status: number | undefined;
}

/** A failed request as the `error` of an errored line; never includes the API key. */
export function describeFailure(error: unknown, secrets: readonly string[]): DescribedFailure {
  const last = isRetryError(error) ? error.cause : error;
  const verdict = classifyError(last, Date.now());
  const record = (typeof last === 'object' && last !== null ? last : {}) as ApiErrorLike;
  const bodyType = typeof record.type === 'string' ? record.type : undefined;
  // The SDK refuses some requests before sending them (e.g. "Streaming is required").
  const refusedLocally = last instanceof AnthropicError && !(last instanceof APIError);
  const type =
    bodyType ?? TYPE_OF_KIND[verdict.kind] ?? (refusedLocally ? 'invalid_request_error' : 'api_error');
  const apiMessage =
    typeof record.apiMessage === 'string' && record.apiMessage !== '' ? record.apiMessage : undefined;
  const lastMessage = apiMessage ?? (last instanceof Error ? last.message : String(last));
  // A RetryError says why we gave up; the server's own words about the last failure follow it.
  const message = isRetryError(error) ? `${error.message} The API said: ${lastMessage}` : lastMessage;
  return {
    type,
    message: redact(message, secrets),
    retryable: verdict.retryable,
    requestId: verdict.requestId,
    kind: verdict.kind,
    status: verdict.status,
  };
}
