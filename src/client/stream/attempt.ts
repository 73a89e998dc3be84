/**
 * One streamed attempt: open the stream (errors before the 200 are ordinary API errors), then read
 * its events until `message_stop`, turning every other ending into an error that says why.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent, Usage } from '@anthropic-ai/sdk/resources/messages';
import type { Stream } from '@anthropic-ai/sdk/streaming';
import { ClaudeRetryError } from '../../errors.js';
import { abortReason } from '../../internal/clock.js';
import type { FailureKind } from '../../retry/classify.js';
import { deltaCharacters } from './accumulate.js';
import type { StreamParams } from './types.js';

export interface OpenedStream {
  readonly events: Stream<RawMessageStreamEvent>;
  readonly response: Response;
  readonly requestId: string | undefined;
}

export interface OpenOptions {
  readonly signal: AbortSignal | undefined;
  /** Time limit until the response headers arrive (the SDK's `timeout` covers only that for a stream). */
  readonly timeout: number | undefined;
  readonly headers: Record<string, string> | undefined;
}

export async function openStream(
  anthropic: Anthropic,
  params: StreamParams,
  options: OpenOptions,
): Promise<OpenedStream> {
  const { data, response, request_id } = await anthropic.messages
    .create(
      { ...params, stream: true },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
        maxRetries: 0,
      },
    )
    .withResponse();
  return { events: data, response, requestId: request_id ?? undefined };
}

/** A stream-ending condition of our own; the classifier reads `kind` and `retryable`. */
export class StreamEndedEarlyError extends ClaudeRetryError {
  override name = 'StreamEndedEarlyError';
  readonly retryable = true;
  constructor(
    message: string,
    readonly kind: FailureKind,
  ) {
    super(message);
  }
}

/** What one attempt received, for billing and for the attempt record. */
export class AttemptTracker {
  /** The usage the attempt reported: from `message_start`, updated by `message_delta`. */
  usage: Usage | undefined;
  characters = 0;
  completed = false;

  observe(event: RawMessageStreamEvent): void {
    if (event.type === 'message_start') this.usage = { ...event.message.usage };
    else if (event.type === 'message_delta' && this.usage) {
      const u = event.usage;
      this.usage.output_tokens = u.output_tokens;
      if (u.input_tokens != null) this.usage.input_tokens = u.input_tokens;
      if (u.cache_creation_input_tokens != null)
        this.usage.cache_creation_input_tokens = u.cache_creation_input_tokens;
      if (u.cache_read_input_tokens != null) this.usage.cache_read_input_tokens = u.cache_read_input_tokens;
    } else if (event.type === 'message_stop') this.completed = true;
    this.characters += deltaCharacters(event);
  }
}

export interface PumpOptions {
  readonly idleTimeout: number;
  readonly signal: AbortSignal | undefined;
  readonly onEvent: (event: RawMessageStreamEvent) => void;
}

/**
 * Reads events until `message_stop`. Throws the transport's error (a mid-stream `event: error` is an
 * APIError with a `type` and no status; a dropped connection a socket error), a StreamEndedEarlyError
 * for a stall or a stream that ends without `message_stop`, or the abort reason.
 */
export async function pump(opened: OpenedStream, options: PumpOptions): Promise<void> {
  let idle = false;
  // A real timer: idleness of a socket is real time, whatever clock schedules the retries.
  const timer = setTimeout(() => {
    idle = true;
    opened.events.controller.abort();
  }, options.idleTimeout);
  let stopped = false;
  try {
    // The SDK's iterator ends quietly when its controller aborts (our idle timer or the caller).
    for await (const event of opened.events) {
      // Events already parsed when the caller aborted are not handed over.
      if (options.signal?.aborted) break;
      timer.refresh();
      options.onEvent(event);
      if (event.type === 'message_stop') {
        stopped = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (options.signal?.aborted) throw abortReason(options.signal);
  if (stopped) return;
  if (idle) {
    throw new StreamEndedEarlyError(
      `No stream event for ${options.idleTimeout} ms (idleTimeout): the stream stalled.`,
      'timeout',
    );
  }
  throw new StreamEndedEarlyError('The connection closed before message_stop.', 'stream_interrupted');
}
