/**
 * The start and the failed end of one attempt, shared by `messages.create` and `messages.stream`:
 * a pacing permit within the deadline, the attempt's timeout, the `request` / `response` events,
 * and the report back to the pacer.
 */
import type { MessageCreateParams } from '@anthropic-ai/sdk/resources/messages';
import type { Clock } from '../internal/clock.js';
import { type Classification, classifyError } from '../retry/classify.js';
import type { EventHub } from './events.js';
import type { Pacer, Permit } from './pacer.js';

export interface AttemptStart {
  readonly model: string;
  readonly attempt: number;
  readonly params: MessageCreateParams;
  readonly signal: AbortSignal | undefined;
  /** What the retry engine says is left of the call's deadline. */
  readonly remainingMs: number | undefined;
  /** The caller's per-attempt timeout, if any. */
  readonly timeout: number | undefined;
}

export interface OpenAttempt {
  readonly permit: Permit | undefined;
  /** The timeout for this attempt: the caller's, cut to what the deadline leaves after pacing. */
  readonly timeout: number | undefined;
  /** When the request went out (after pacing), for `durationMs`. */
  readonly started: number;
}

/** Opens an attempt: at once when the pacer lets it through straight away, else once it does. */
export function beginAttempt(
  start: AttemptStart,
  pacer: Pacer | undefined,
  events: EventHub,
  clock: Clock,
): OpenAttempt | Promise<OpenAttempt> {
  const { model, attempt, params, signal, remainingMs } = start;
  const deadline = remainingMs === undefined ? undefined : clock.now() + remainingMs;
  const acquired = pacer?.acquire({ model, params, signal, deadline, attempt });
  if (isPromiseLike(acquired)) {
    return Promise.resolve(acquired).then((permit) => open(start, permit, deadline, events, clock));
  }
  return open(start, acquired, deadline, events, clock);
}

/** The attempt, once its permit is in hand: its timeout cut to what the deadline leaves. */
function open(
  start: AttemptStart,
  permit: Permit | undefined,
  deadline: number | undefined,
  events: EventHub,
  clock: Clock,
): OpenAttempt {
  const started = clock.now();
  const leftAfterWait = deadline === undefined ? undefined : Math.max(1, deadline - started);
  events.emit('request', { model: start.model, attempt: start.attempt });
  return { permit, timeout: minDefined(start.timeout, leftAfterWait), started };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

/** Classifies a failed attempt, reports its answer (if it got one) and settles its permit. */
export function attemptFailed(
  error: unknown,
  scope: { model: string; attempt: number },
  open: OpenAttempt,
  events: EventHub,
  clock: Clock,
): Classification {
  const verdict = classifyError(error, clock.now());
  try {
    if (verdict.status !== undefined) {
      events.emit('response', {
        model: scope.model,
        attempt: scope.attempt,
        status: verdict.status,
        requestId: verdict.requestId,
        durationMs: clock.now() - open.started,
      });
    }
  } finally {
    // Even when a listener throws: a permit never settled would hold its pacing slot for good.
    open.permit?.settle({ status: verdict.status, headers: verdict.headers, error });
  }
  return verdict;
}

export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
