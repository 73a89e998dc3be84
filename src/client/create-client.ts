/**
 * createClient: the official SDK's `messages.create`, with this package's retry policy and
 * (optionally) pacing wrapped around each call.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { ConfigurationError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { createPacer } from '../pacing/pacer.js';
import { type ClientPacingOptions, type OwnedStore, resolvePacingStore } from '../pacing/shared-store.js';
import type { FailureKind } from '../retry/classify.js';
import { type ResolvedRetryOptions, type RetryOptions, resolveRetryOptions } from '../retry/options.js';
import { type AttemptContext, retryResolved } from '../retry/retry.js';
import { type Answered, type MessageCall, whenAnswered } from './answer.js';
import { attemptFailed, beginAttempt, type OpenAttempt } from './attempt-steps.js';
import { type ClientEvent, type ClientEventType, EventHub, type Listener } from './events.js';
import type { Pacer } from './pacer.js';
import { RetryingMessageStream, type StreamParams, type StreamRequestOptions } from './stream/index.js';

export interface ClientOptions {
  /** @default process.env.ANTHROPIC_API_KEY */
  readonly apiKey?: string;
  /** @default process.env.ANTHROPIC_BASE_URL, else the SDK's default */
  readonly baseURL?: string;
  /** An existing SDK client to wrap; a copy with `maxRetries: 0` is used so retries do not multiply. */
  readonly client?: Anthropic;
  /** The retry policy for every call (per-call options are merged over it). */
  readonly retry?: RetryOptions;
  /**
   * Time limit for one attempt, in milliseconds.
   * @default 600000 (the SDK's)
   */
  readonly timeout?: number;
  /** A fetch implementation for the SDK (tests inject one). */
  readonly fetch?: typeof fetch;
  /**
   * Pacing (on by default): send only what the server's rate limits accept, hold everyone while it
   * is overloaded, cap retries with a budget. Options tune it; `false` turns it off.
   * `store: 'redis://host:6379'` shares the limiter with every process and machine using the same
   * API key (call `close()` when done).
   * @default {} (pacing on, limits learned from the server's headers)
   */
  readonly pacing?: ClientPacingOptions | false;
  /** Another name for `pacing` (give one or the other). */
  readonly rateLimit?: ClientPacingOptions | false;
  /** A pacer of your own instead of the default one (ignored when `pacing` is false). */
  readonly pacer?: Pacer;
  /** Receives every event; `client.on()` subscribes to one type. */
  readonly onEvent?: (event: ClientEvent) => void;
  readonly clock?: Clock;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Time limit for one attempt, in milliseconds. */
  readonly timeout?: number;
  readonly headers?: Record<string, string>;
  /** Retry options for this call, merged over the client's. */
  readonly retry?: RetryOptions;
}

export interface ClaudeRetryClient {
  /** The underlying SDK client (constructed with maxRetries: 0). */
  readonly anthropic: Anthropic;
  readonly options: ClientOptions;
  readonly messages: {
    create(params: MessageCreateParamsNonStreaming, options?: RequestOptions): Promise<Message>;
    /** A stream that survives interruptions; see src/client/stream. */
    stream(params: StreamParams, options?: StreamRequestOptions): RetryingMessageStream;
  };
  on<K extends ClientEventType>(type: K, listener: Listener<K>): () => void;
  /**
   * Resolves once pacing can start: with a Redis store, once Redis answers; rejects with a
   * RedisUnavailableError when it cannot be reached. Calls wait for it anyway; this checks up front.
   */
  ready(): Promise<void>;
  /** Closes what the client opened (the Redis connection of a `pacing.store` URL), so the process can exit. */
  close(): Promise<void>;
  /** A new client with these options merged over this one's (events and pacing are shared). */
  withOptions(options: Partial<ClientOptions>): ClaudeRetryClient;
}

function buildAnthropic(options: ClientOptions): Anthropic {
  if (options.client) return options.client.withOptions({ maxRetries: 0 });
  const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    throw new ConfigurationError(
      'No API key: set the ANTHROPIC_API_KEY environment variable or pass `apiKey` to createClient().',
    );
  }
  const baseURL = options.baseURL ?? process.env.ANTHROPIC_BASE_URL;
  return new Anthropic({
    apiKey,
    maxRetries: 0,
    ...(baseURL ? { baseURL } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export function createClient(options: ClientOptions = {}): ClaudeRetryClient {
  const events = new EventHub(options.onEvent);
  const { pacer, owned } = resolvePacer(options, events);
  return buildClient(options, events, pacer, owned);
}

/** `pacing`, or its other name `rateLimit`. */
function pacingOf(options: ClientOptions): ClientPacingOptions | false | undefined {
  if (options.pacing !== undefined && options.rateLimit !== undefined) {
    throw new ConfigurationError(
      'Pass either `pacing` or its other name `rateLimit` to createClient(), not both.',
    );
  }
  return options.pacing ?? options.rateLimit;
}

/** The pacer a client uses: none, the caller's own, or the default one reporting through `events`. */
function resolvePacer(
  options: ClientOptions,
  events: EventHub,
): { pacer: Pacer | undefined; owned: OwnedStore | undefined } {
  const chosen = pacingOf(options);
  if (chosen === false) return { pacer: undefined, owned: undefined };
  if (options.pacer) return { pacer: options.pacer, owned: undefined };
  const pacing = chosen ?? {};
  const clock = options.clock ?? options.retry?.clock;
  const { store, owned } = resolvePacingStore(pacing.store, {
    apiKey: options.apiKey ?? options.client?.apiKey ?? process.env.ANTHROPIC_API_KEY,
    clock,
    onStatusChange: (change) => {
      // Pacing alone must not go unnoticed: without a listener it becomes a process warning.
      if (!events.listens('store')) process.emitWarning(change.detail, 'ClaudeRetryWarning');
      events.emit('store', change);
    },
  });
  const pacer = createPacer({
    ...(clock ? { clock } : {}),
    ...pacing,
    store,
    onStateChange: (change) => {
      pacing.onStateChange?.(change);
      events.emit('pacing', change);
    },
  });
  return { pacer, owned };
}

function buildClient(
  options: ClientOptions,
  events: EventHub,
  pacer: Pacer | undefined,
  owned: OwnedStore | undefined,
): ClaudeRetryClient {
  const anthropic = buildAnthropic(options);
  const clock = options.clock ?? options.retry?.clock ?? systemClock;
  // The client's retry policy is checked and filled in once, here: a bad option fails createClient()
  // instead of every call, and a call without options of its own does no work for it.
  const clientRetry: RetryOptions = { clock, budget: pacer?.budget, ...options.retry };
  const clientPolicy = resolveRetryOptions(clientRetry);
  // A deadline given in milliseconds counts from each call's start.
  const deadlinePerCall = typeof clientRetry.deadline === 'number';

  function policyFor(request: RequestOptions): ResolvedRetryOptions {
    if (request.retry === undefined && !deadlinePerCall) return clientPolicy;
    return resolveRetryOptions({ ...clientRetry, ...request.retry });
  }

  /** A successful answer: reported, and its headers and usage handed to the pacer. */
  function answered(
    data: Answered,
    response: Response,
    model: string,
    attempt: number,
    open: OpenAttempt,
  ): Message {
    try {
      if (events.listens('response')) {
        events.emit('response', {
          model,
          attempt,
          status: response.status,
          requestId: data._request_id ?? undefined,
          durationMs: clock.now() - open.started,
        });
      }
    } finally {
      // Even when a listener throws (the call then fails with its error): the pacer learns from the answer.
      open.permit?.settle({ status: response.status, headers: response.headers, usage: data.usage });
    }
    return data;
  }

  // Not async itself: one promise per call fewer held while the request is out.
  function create(params: MessageCreateParamsNonStreaming, request: RequestOptions = {}): Promise<Message> {
    const model = params.model;
    let policy: ResolvedRetryOptions;
    try {
      policy = policyFor(request);
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = request.signal ?? policy.signal;
    const timeout = request.timeout ?? options.timeout;
    let lastKind: FailureKind | undefined;
    // A promise chain, not async functions: one attempt costs a few promises fewer this way.
    const attempt = ({ attempt, remainingMs }: AttemptContext): Promise<Message> => {
      const failed = (open: OpenAttempt, error: unknown): never => {
        lastKind = attemptFailed(error, { model, attempt }, open, events, clock).kind;
        throw error;
      };
      const send = (open: OpenAttempt): Promise<Message> => {
        let call: MessageCall;
        try {
          call = anthropic.messages.create(params, sdkRequestOptions(signal, open.timeout, request.headers));
        } catch (error) {
          return failed(open, error);
        }
        return whenAnswered(
          call,
          (data, response) => answered(data, response, model, attempt, open),
          (error) => failed(open, error),
        );
      };
      const opened = beginAttempt(
        { model, attempt, params, signal, remainingMs, timeout },
        pacer,
        events,
        clock,
      );
      return opened instanceof Promise ? opened.then(send) : send(opened);
    };
    return retryResolved(attempt, {
      ...policy,
      signal,
      onRetry: (event) => {
        policy.onRetry?.(event);
        events.emit('retry', { ...event, model });
      },
      onGiveUp: (event) => {
        policy.onGiveUp?.(event);
        events.emit('giveUp', { ...event, model, kind: lastKind });
      },
    });
  }

  return {
    anthropic,
    options,
    messages: {
      create,
      stream: (params, request) =>
        new RetryingMessageStream(
          { anthropic, options: { ...options, pacer }, events, clock },
          params,
          request,
        ),
    },
    on: (type, listener) => events.on(type, listener),
    ready: async () => {
      await owned?.ready();
    },
    close: async () => {
      await owned?.close();
    },
    withOptions: (more) => {
      const newPacing = more.pacing ?? more.rateLimit;
      const merged: ClientOptions = {
        ...options,
        ...more,
        // New pacing options replace the old ones, under either name.
        ...(newPacing !== undefined ? { pacing: newPacing, rateLimit: undefined } : {}),
        client: more.client ?? derive(anthropic, more),
      };
      if (more.pacer === undefined && newPacing === undefined)
        return buildClient(merged, events, pacer, owned);
      const next = resolvePacer(merged, events);
      return buildClient(merged, events, next.pacer, next.owned);
    },
  };
}

/** The SDK's options for one attempt: only what is set, and never its own retries. */
function sdkRequestOptions(
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  headers: Record<string, string> | undefined,
): Anthropic.RequestOptions {
  const sdkOptions: Anthropic.RequestOptions = { maxRetries: 0 };
  if (signal) sdkOptions.signal = signal;
  if (timeout !== undefined) sdkOptions.timeout = timeout;
  if (headers) sdkOptions.headers = headers;
  return sdkOptions;
}

/** A copy of the SDK client with the connection options in `more` applied. */
function derive(anthropic: Anthropic, more: Partial<ClientOptions>): Anthropic {
  return anthropic.withOptions({
    ...(more.apiKey !== undefined ? { apiKey: more.apiKey } : {}),
    ...(more.baseURL !== undefined ? { baseURL: more.baseURL } : {}),
    ...(more.timeout !== undefined ? { timeout: more.timeout } : {}),
    ...(more.fetch !== undefined ? { fetch: more.fetch } : {}),
  });
}
