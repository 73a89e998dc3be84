import type { Clock } from '../internal/clock.js';

/** Per-minute limits of one model. A missing field means that dimension is unlimited. */
export interface ModelLimits {
  /** Requests per minute. */
  rpm?: number;
  /** Input tokens per minute. */
  itpm?: number;
  /** Output tokens per minute (charged from `max_tokens` at admission, corrected at the end). */
  otpm?: number;
}

export interface MockServerOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Makes replies, ids and random faults deterministic. @default 1 */
  seed?: number;
  /** Limits applied to every model without its own entry in `modelLimits`. @default {} (unlimited) */
  limits?: ModelLimits;
  /** Per-model limits; replace `limits` entirely for that model. */
  modelLimits?: Record<string, ModelLimits>;
  faults?: FaultOptions;
  /** When given, only these keys are accepted; otherwise any non-empty key is. */
  apiKeys?: string[];
  /** @default systemClock */
  clock?: Clock;
  /** Delay between two SSE text deltas. @default 0 */
  streamChunkDelayMs?: number;
  /**
   * The time to produce an answer (`faults.latencyMs` wins when set). The rate limit, faults and
   * errors are decided on arrival and answered at once, as the API does. @default 0
   */
  latencyMs?: number;
  /**
   * The short window over which per-minute limits are enforced: every bucket holds at most
   * `max(1, limit / 60 * burstWindowSeconds)`. `60` gives plain per-minute buckets.
   * @default 1
   */
  burstWindowSeconds?: number;
}

/** Milliseconds since server start; requests arriving in `[startMs, endMs)` get 529 `overloaded_error`. */
export interface OverloadWindow {
  startMs: number;
  endMs: number;
}

export interface StreamInterruption {
  /**
   * `error`: an `event: error` then the response ends; `reset`: the socket is destroyed;
   * `stall`: nothing more is written and the connection stays open until the client or the server closes it.
   */
  kind: 'error' | 'reset' | 'stall';
  /**
   * Interrupt after this many events were written, not counting `ping`s. Capped so that
   * `message_stop` is never sent. @default 3 (message_start, content_block_start, first delta)
   */
  afterEvents?: number;
  /**
   * For `reset` and `stall` only: cut the body after exactly this many bytes, even inside an event or
   * a UTF-8 character (what a dropped connection looks like); overrides `afterEvents`. Capped so that
   * `message_stop` is never complete. An `event: error` always arrives whole, so `error` refuses it.
   */
  afterBytes?: number;
  /** For `error`. @default 'overloaded_error' */
  errorType?: string;
}

export interface FaultOptions {
  overloadWindows?: OverloadWindow[];
  /** Probability of a 500 `api_error`. @default 0 */
  errorRate?: number;
  /** Probability that the socket is destroyed without an answer. @default 0 */
  resetRate?: number;
  /** Probability that a streamed answer is interrupted. @default 0 */
  streamInterruptionRate?: number;
  /** How random interruptions happen. @default { kind: 'error' } */
  streamInterruption?: StreamInterruption;
  /** When true, error answers carry `x-should-retry: true|false`. @default false */
  shouldRetryHeader?: boolean;
  /** The time to produce an answer (errors come at once); overrides `MockServerOptions.latencyMs` when set. */
  latencyMs?: number;
}

/** A response to return for the next request(s), in order, before normal behaviour resumes. */
export type ScriptedStep =
  | { status: number; errorType?: string; message?: string; headers?: Record<string, string> }
  | { reset: true }
  /** The next streamed request is interrupted this way (a non-streamed request leaves it queued). */
  | { stream: StreamInterruption }
  | 'ok';

export interface MockServerStats {
  /** Every POST /v1/messages* received. */
  requests: number;
  /** Every answer sent, by HTTP status (a stream counts when its 200 header goes out). */
  byStatus: Record<number, number>;
  /** 429s sent. */
  rateLimited: number;
  /** 529s sent. */
  overloaded: number;
  /** Sockets destroyed on purpose (random or scripted resets, `reset` stream interruptions). */
  resets: number;
  streamInterruptions: number;
  /** POST /v1/messages requests that arrived inside an overload window. */
  requestsDuringOverload: number;
  /** Complete successful answers (a stream counts once `message_stop` is written). */
  succeeded: number;
  /** Requests presenting each credential header. */
  authHeaders: { bearer: number; xApiKey: number };
}

export interface MockServer {
  /** e.g. `http://127.0.0.1:43121` */
  readonly url: string;
  readonly port: number;
  readonly stats: MockServerStats;
  /** Queues scripted answers for the next POST /v1/messages requests. */
  script(...steps: ScriptedStep[]): void;
  /** Replaces the fault plan; overload windows stay relative to server start. */
  setFaults(faults: FaultOptions): void;
  /** Replaces the default limits, or one model's limits; the affected buckets restart full. */
  setLimits(limits: ModelLimits, model?: string): void;
  resetStats(): void;
  /** Closes the server, destroying open sockets; resolves once closed. */
  close(): Promise<void>;
}
