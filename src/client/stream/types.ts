/** The public shapes of `client.messages.stream()`: options, policies, events and attempt records. */
import type {
  Message,
  MessageCreateParamsBase,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import type { FailureKind } from '../../retry/classify.js';
import type { RetryEvent } from '../../retry/options.js';
import type { RequestOptions } from '../create-client.js';

/** What `messages.stream()` accepts: the Messages body without `stream` (it is always true). */
export type StreamParams = Omit<MessageCreateParamsBase, 'stream'>;

/**
 * What to do when a stream breaks after some of the answer was handed to the caller.
 * - `restart`: emit a `restart` event (discard what you have), then stream the answer again from scratch.
 * - `continue`: send the partial answer back as an assistant prefill and stitch the continuation on,
 *   so the final message reads as one. Only for text answers; otherwise it falls back to `restart`.
 * - `fail`: throw a `StreamInterruptedError` that carries the partial message.
 */
export type InterruptPolicy = 'restart' | 'continue' | 'fail';

export const INTERRUPT_POLICIES: readonly InterruptPolicy[] = ['restart', 'continue', 'fail'];

export interface StreamRequestOptions extends RequestOptions {
  /**
   * What to do when the stream breaks after content was handed over (see InterruptPolicy).
   * @default 'restart'
   */
  readonly onInterrupt?: InterruptPolicy;
  /**
   * Longest silence allowed between two events of a stream, in milliseconds, before the attempt is
   * treated as stalled (the API sends `ping`s, so a healthy stream is never this quiet). Measured in
   * real time, like the SDK's own per-attempt `timeout`, because it watches real network I/O.
   * @default 60000
   */
  readonly idleTimeout?: number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** Yielded by the iterator (and emitted as `restart`): everything received so far is void. */
export interface RestartEvent {
  readonly type: 'restart';
  /** The attempt that will stream the answer again. */
  readonly attempt: number;
  readonly reason: FailureKind;
  /** Why a `continue` policy restarted instead, when it did. */
  readonly fallbackFrom?: 'continue' | undefined;
  /** The text that was handed over and is now discarded. */
  readonly discardedText: string;
}

/** What the iterator yields: the API's events (as stitched for the caller) and our `restart`. */
export type StreamEvent = RawMessageStreamEvent | RestartEvent;

/** What happens after a failed attempt. */
export type StreamAction =
  /** Nothing had been handed over: the next attempt is invisible to the caller. */
  'retry' | 'restart' | 'continue';

export interface StreamRetryEvent extends RetryEvent {
  readonly model: string;
  readonly action: StreamAction;
  /** True when the attempt failed after its 200 (mid-stream), false when it failed before any byte. */
  readonly midStream: boolean;
  /** Characters of answer text the caller had been handed when the attempt failed. */
  readonly charactersHandedOver: number;
}

/** Token counts of one attempt, as billed. */
export interface AttemptUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

/** One attempt of a stream, from request to end. */
export interface StreamAttempt {
  readonly attempt: number;
  /** `fresh` streams from scratch; `continue` sent the partial answer as a prefill. */
  readonly mode: 'fresh' | 'continue';
  /** `failed`: no 200 (nothing billed); `interrupted`: the 200 came but not `message_stop`. */
  readonly outcome: 'completed' | 'interrupted' | 'failed';
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  /** Characters of content (text, tool input, thinking) this attempt received. */
  readonly characters: number;
  /** Undefined for a failed attempt (no answer, nothing billed). */
  readonly usage: AttemptUsage | undefined;
  /**
   * The API never reports the output of a stream it cut: for an interrupted attempt `output_tokens`
   * is estimated from the characters received (1 token per 4, the usual rule of thumb).
   */
  readonly outputTokensEstimated: boolean;
  readonly error: unknown;
}

/** Listeners of `stream.on()`. */
export interface StreamListeners {
  /** A text delta and the text of its block so far. */
  text: (delta: string, snapshot: string) => void;
  /** Every event the iterator yields, with the message as the caller has it after that event. */
  streamEvent: (event: StreamEvent, snapshot: Message | undefined) => void;
  restart: (event: RestartEvent) => void;
  retry: (event: StreamRetryEvent) => void;
  /** After every attempt, successful or not. */
  attempt: (attempt: StreamAttempt) => void;
  finalMessage: (message: Message) => void;
  error: (error: unknown) => void;
  /** The stream is over, either way. */
  end: () => void;
}

export type StreamListenerName = keyof StreamListeners;
