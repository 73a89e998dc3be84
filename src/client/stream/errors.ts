/** The error of a stream that broke after its 200: what broke it and what the caller had by then. */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { ClaudeRetryError, isClaudeRetryError } from '../../errors.js';
import type { FailureKind } from '../../retry/classify.js';
import { textOf } from './accumulate.js';

export interface StreamInterruptedDetails {
  /** The kind of failure, as the classifier names it (`overloaded` for a mid-stream 529...). */
  kind: FailureKind;
  /** Whether another attempt may help; read by the classifier through the `retryable` field. */
  retryable: boolean;
  /** The message as the caller had been handed it, or undefined when nothing had been handed over. */
  partialMessage: Message | undefined;
  /** The `type` of a mid-stream `event: error`, e.g. `overloaded_error`. */
  errorType?: string | undefined;
  requestId?: string | undefined;
  /** Attempts made so far. */
  attempts: number;
  cause: unknown;
}

/**
 * Thrown by one attempt whose stream broke after the 200 (the retry loop reads `kind` and
 * `retryable`), and by the stream as a whole when it gives up after content was handed over: then
 * `partialMessage` holds what the caller received, and `cause` says why no attempt finished.
 */
export class StreamInterruptedError extends ClaudeRetryError {
  override name = 'StreamInterruptedError';
  readonly kind: FailureKind;
  readonly retryable: boolean;
  readonly partialMessage: Message | undefined;
  readonly errorType: string | undefined;
  readonly requestId: string | undefined;
  readonly attempts: number;

  constructor(message: string, details: StreamInterruptedDetails) {
    super(message, { cause: details.cause });
    this.kind = details.kind;
    this.retryable = details.retryable;
    this.partialMessage = details.partialMessage;
    this.errorType = details.errorType;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
  }

  /** The SDK's spelling, which the classifier reads, so retry events carry the request id. */
  get requestID(): string | undefined {
    return this.requestId;
  }

  /** The text the caller had been handed ('' when nothing). */
  get partialText(): string {
    return this.partialMessage ? textOf(this.partialMessage) : '';
  }
}

const PLAIN_KIND: Partial<Record<FailureKind, string>> = {
  connection: 'connection lost',
  timeout: 'stalled',
  stream_interrupted: 'ended early',
};

/** What broke a stream, in a few words: the API's error type, else the kind in plain words. */
export function interruptionName(kind: FailureKind, errorType: string | undefined): string {
  return errorType ?? PLAIN_KIND[kind] ?? kind;
}

export function isStreamInterruptedError(error: unknown): error is StreamInterruptedError {
  return isClaudeRetryError(error) && error.name === 'StreamInterruptedError';
}
