/**
 * `client.messages.stream()`: the SDK's streaming, made to survive interruptions. The familiar
 * shape (async iteration, `.on('text')`, `finalMessage()`), with this package's retry loop, pacing
 * and classification around each attempt, and the interruption policy for content already handed over.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { ConfigurationError, isRetryError } from '../../errors.js';
import type { Clock } from '../../internal/clock.js';
import { type FailureKind, isAbortError } from '../../retry/classify.js';
import type { RetryEvent, RetryOptions } from '../../retry/options.js';
import { retry } from '../../retry/retry.js';
import type { ClientOptions } from '../create-client.js';
import type { EventHub } from '../events.js';
import { textOf } from './accumulate.js';
import { CallerView } from './caller-view.js';
import { isStreamInterruptedError, StreamInterruptedError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { continueBlocker } from './prefill.js';
import { runAttempt } from './run-attempt.js';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  INTERRUPT_POLICIES,
  type InterruptPolicy,
  type RestartEvent,
  type StreamAction,
  type StreamAttempt,
  type StreamEvent,
  type StreamListenerName,
  type StreamListeners,
  type StreamParams,
  type StreamRequestOptions,
} from './types.js';

/** What the client hands a stream: its SDK instance, options, shared events and clock. */
export interface StreamContext {
  readonly anthropic: Anthropic;
  readonly options: ClientOptions;
  readonly events: EventHub;
  readonly clock: Clock;
}

function checkOptions(request: StreamRequestOptions): void {
  if (request.onInterrupt !== undefined && !INTERRUPT_POLICIES.includes(request.onInterrupt)) {
    throw new ConfigurationError(
      `Invalid stream option \`onInterrupt\`: ${String(request.onInterrupt)}. Use one of: ${INTERRUPT_POLICIES.join(', ')}.`,
    );
  }
  const idle = request.idleTimeout;
  if (idle !== undefined && !(typeof idle === 'number' && Number.isFinite(idle) && idle > 0)) {
    throw new ConfigurationError(
      `Invalid stream option \`idleTimeout\`: expected a number of milliseconds > 0, got ${String(idle)}.`,
    );
  }
}

export class RetryingMessageStream implements AsyncIterable<StreamEvent> {
  /** Aborts the stream (the caller's `signal` is linked to it). */
  readonly controller = new AbortController();
  readonly policy: InterruptPolicy;
  private readonly listeners = new Map<StreamListenerName, Set<(...args: never[]) => void>>();
  private readonly queue = new EventQueue<StreamEvent>(() => this.abort());
  private iterated = false;
  private readonly view: CallerView;
  private readonly attemptLog: StreamAttempt[] = [];
  /** The last message that had content when an attempt broke: what a final error carries. */
  private lastPartial: Message | undefined;
  /** The kind of the last failure, for the give-up event and the final error. */
  private lastKind: FailureKind | undefined;
  private readonly done: Promise<Message>;

  constructor(
    private readonly ctx: StreamContext,
    private readonly params: StreamParams,
    private readonly request: StreamRequestOptions = {},
  ) {
    checkOptions(request);
    this.policy = request.onInterrupt ?? 'restart';
    for (const signal of [request.signal, ctx.options.retry?.signal, request.retry?.signal]) {
      if (!signal) continue;
      if (signal.aborted) this.controller.abort(signal.reason);
      else signal.addEventListener('abort', () => this.controller.abort(signal.reason), { once: true });
    }
    this.view = new CallerView((event, snapshot) => this.handOver(event, snapshot));
    this.done = this.run();
    // Failures reach the caller through finalMessage(), the iterator or 'error'; never unhandled.
    this.done.catch(() => {});
  }

  on<K extends StreamListenerName>(name: K, listener: StreamListeners[K]): this {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (...args: never[]) => void);
    return this;
  }

  off<K extends StreamListenerName>(name: K, listener: StreamListeners[K]): this {
    this.listeners.get(name)?.delete(listener as (...args: never[]) => void);
    return this;
  }

  /** Every event, from the start (events are kept until read); once per stream. */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.iterated)
      throw new ConfigurationError('This stream was already iterated; a stream can be read once.');
    this.iterated = true;
    return this.queue;
  }

  /** The complete message (stitched, if it was continued); rejects if the stream fails. */
  finalMessage(): Promise<Message> {
    return this.done;
  }

  /** The text of the complete message. */
  async finalText(): Promise<string> {
    return textOf(await this.done);
  }

  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  /** The message as the caller has been handed it so far. */
  get currentMessage(): Message | undefined {
    return this.view.message ? structuredClone(this.view.message) : undefined;
  }

  /** Every attempt so far, with its outcome and billed usage. */
  get attempts(): readonly StreamAttempt[] {
    return [...this.attemptLog];
  }

  private emit<K extends StreamListenerName>(name: K, ...args: Parameters<StreamListeners[K]>): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) (listener as (...a: Parameters<StreamListeners[K]>) => void)(...args);
  }

  private yieldEvent(event: StreamEvent, snapshot: Message | undefined): void {
    this.queue.push(event);
    this.emit('streamEvent', event, snapshot);
  }

  private handOver(event: RawMessageStreamEvent, snapshot: Message | undefined): void {
    this.yieldEvent(event, snapshot);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      const block = snapshot?.content[event.index];
      this.emit('text', event.delta.text, block?.type === 'text' ? block.text : event.delta.text);
    }
  }

  private async run(): Promise<Message> {
    const { options, clock, events } = this.ctx;
    const retryOptions: RetryOptions = {
      clock,
      budget: options.pacer?.budget,
      ...options.retry,
      ...this.request.retry,
    };
    const model = this.params.model;
    try {
      const message = await retry(
        (attempt) =>
          runAttempt(this.ctx, {
            params: this.params,
            request: this.request,
            view: this.view,
            attempts: this.attemptLog,
            signal: this.controller.signal,
            attempt,
            idleTimeout: this.request.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS,
            policy: this.policy,
            onAttempt: (record, partial) => {
              if (partial) this.lastPartial = partial;
              this.emit('attempt', record);
            },
            onKind: (kind) => {
              this.lastKind = kind;
            },
          }),
        {
          ...retryOptions,
          signal: this.controller.signal,
          onRetry: (event) => {
            retryOptions.onRetry?.(event);
            events.emit('retry', { ...event, model });
            this.beforeNextAttempt(event);
          },
          onGiveUp: (event) => {
            retryOptions.onGiveUp?.(event);
            events.emit('giveUp', { ...event, model, kind: this.lastKind });
          },
        },
      );
      this.queue.end();
      this.emit('finalMessage', message);
      return message;
    } catch (error) {
      const final = this.finalError(error);
      this.queue.end(final);
      this.emit('error', final);
      throw final;
    } finally {
      this.emit('end');
    }
  }

  /** Decides how the next attempt relates to what the caller has, and tells the caller. */
  private beforeNextAttempt(event: RetryEvent): void {
    const charactersHandedOver = this.view.text.length;
    let action: StreamAction = 'retry';
    let fallbackFrom: RestartEvent['fallbackFrom'];
    if (this.view.hasContent) {
      const blocker = this.policy === 'continue' ? continueBlocker(this.params, this.view.message) : 'policy';
      if (blocker === undefined) action = 'continue';
      else {
        action = 'restart';
        if (this.policy === 'continue') fallbackFrom = 'continue';
      }
    }
    this.emit('retry', {
      ...event,
      model: this.params.model,
      action,
      midStream: isStreamInterruptedError(event.error),
      charactersHandedOver,
    });
    if (action !== 'restart') return;
    const restart: RestartEvent = {
      type: 'restart',
      attempt: event.attempt + 1,
      reason: event.reason,
      fallbackFrom,
      discardedText: this.view.reset(),
    };
    this.yieldEvent(restart, undefined);
    this.emit('restart', restart);
  }

  /** The error the caller gets: the partial answer rides on it whenever some content was handed over. */
  private finalError(error: unknown): unknown {
    if (isAbortError(error) || this.controller.signal.aborted) return error;
    const partial = this.lastPartial;
    if (!partial) return error;
    if (isStreamInterruptedError(error) && error.partialMessage) return error;
    const detail = error instanceof Error ? error.message : String(error);
    // A RetryError names only the kind of the last failure; the interruption itself says more.
    const last =
      isRetryError(error) && isStreamInterruptedError(error.cause) ? ` ${error.cause.message}` : '';
    return new StreamInterruptedError(`The stream could not be completed: ${detail}${last}`, {
      kind: this.lastKind ?? 'unknown',
      retryable: false,
      partialMessage: partial,
      attempts: this.attemptLog.length,
      cause: error,
    });
  }
}
