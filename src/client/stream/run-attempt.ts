/**
 * One attempt of a retrying stream, inside the retry loop: pacing permit, request, events handed to
 * the caller's view, billing, and, when the stream breaks, the error the retry loop will judge.
 */
import type { Message, RawMessageStreamEvent, Usage } from '@anthropic-ai/sdk/resources/messages';
import { type Classification, classifyError, type FailureKind } from '../../retry/classify.js';
import type { AttemptContext } from '../../retry/retry.js';
import { attemptFailed, beginAttempt } from '../attempt-steps.js';
import { AttemptTracker, type OpenedStream, openStream, pump } from './attempt.js';
import type { CallerView } from './caller-view.js';
import { interruptionName, StreamInterruptedError } from './errors.js';
import type { StreamContext } from './message-stream.js';
import { continuationParams, splitPrefill } from './prefill.js';
import type { InterruptPolicy, StreamAttempt, StreamParams, StreamRequestOptions } from './types.js';
import { attemptUsage, billedUsage } from './usage.js';

export interface AttemptPlan {
  readonly params: StreamParams;
  readonly request: StreamRequestOptions;
  readonly view: CallerView;
  /** Every earlier attempt; this one is appended when it ends. */
  readonly attempts: StreamAttempt[];
  readonly signal: AbortSignal;
  readonly attempt: AttemptContext;
  readonly idleTimeout: number;
  readonly policy: InterruptPolicy;
  /** Called when the attempt ends, with the caller's message if the attempt broke after content was handed over. */
  readonly onAttempt: (record: StreamAttempt, partial: Message | undefined) => void;
  readonly onKind: (kind: FailureKind) => void;
}

export async function runAttempt(ctx: StreamContext, plan: AttemptPlan): Promise<Message> {
  const { options, events, clock, anthropic } = ctx;
  const { view, request, signal } = plan;
  const { attempt, remainingMs } = plan.attempt;
  const model = plan.params.model;
  // The view holds content only when the previous attempt broke and the policy chose to continue.
  const mode = view.hasContent ? 'continue' : 'fresh';
  const split = mode === 'continue' ? splitPrefill(view.text) : undefined;
  const params = split ? continuationParams(plan.params, split.prefill) : plan.params;

  const open = await beginAttempt(
    {
      model,
      attempt,
      params: { ...params, stream: true },
      signal,
      remainingMs,
      timeout: request.timeout ?? options.timeout,
    },
    options.pacer,
    events,
    clock,
  );
  const { permit, timeout, started } = open;
  const record = (fields: Omit<StreamAttempt, 'attempt' | 'mode'>, partial?: Message) => {
    const entry: StreamAttempt = { attempt, mode, ...fields };
    plan.attempts.push(entry);
    plan.onAttempt(entry, partial);
  };

  let opened: OpenedStream;
  try {
    opened = await openStream(anthropic, params, { signal, timeout, headers: request.headers });
  } catch (error) {
    const verdict = attemptFailed(error, { model, attempt }, open, events, clock);
    plan.onKind(verdict.kind);
    record({
      outcome: 'failed',
      status: verdict.status,
      requestId: verdict.requestId,
      characters: 0,
      usage: undefined,
      outputTokensEstimated: false,
      error,
    });
    throw error;
  }
  const { response, requestId } = opened;
  try {
    events.emit('response', {
      model,
      attempt,
      status: response.status,
      requestId,
      durationMs: clock.now() - started,
    });
  } catch (error) {
    // A listener threw: the call fails with its error, the stream is not read, and the permit does
    // not keep its pacing slot. Settled like a stream left mid-way: the server admitted (and charged) it.
    opened.events.controller.abort();
    permit?.settle({ headers: response.headers, error });
    throw error;
  }

  const tracker = new AttemptTracker();
  view.beginAttempt(split?.cut);
  try {
    await pump(opened, {
      idleTimeout: plan.idleTimeout,
      signal,
      onEvent: (event) => {
        tracker.observe(event);
        view.receive(event.type === 'message_delta' ? withBilledUsage(event, tracker, plan.attempts) : event);
      },
    });
  } catch (cause) {
    view.abandonAttempt();
    const usage = tracker.usage ? attemptUsage(tracker.usage, tracker.characters, false) : undefined;
    const verdict = classifyError(cause, clock.now());
    plan.onKind(verdict.kind);
    // No status: the 200 came, but the attempt did not succeed; the error says why (e.g. overloaded).
    permit?.settle({
      headers: response.headers,
      usage: tracker.usage && { ...tracker.usage, ...usage },
      error: cause,
    });
    const partial = view.hasContent ? structuredClone(view.message) : undefined;
    const error = signal.aborted ? cause : interruption(cause, verdict, partial, plan, requestId);
    record(
      {
        outcome: 'interrupted',
        status: response.status,
        requestId,
        characters: tracker.characters,
        usage,
        outputTokensEstimated: true,
        error,
      },
      partial,
    );
    throw error;
  }

  const usage = attemptUsage(tracker.usage as Usage, tracker.characters, true);
  permit?.settle({ status: response.status, headers: response.headers, usage: tracker.usage });
  record({
    outcome: 'completed',
    status: response.status,
    requestId,
    characters: tracker.characters,
    usage,
    outputTokensEstimated: false,
    error: undefined,
  });
  return structuredClone(view.message as Message);
}

/** The caller sees one message: its final `message_delta` carries the usage billed over every attempt. */
function withBilledUsage(
  event: Extract<RawMessageStreamEvent, { type: 'message_delta' }>,
  tracker: AttemptTracker,
  earlier: readonly StreamAttempt[],
): RawMessageStreamEvent {
  if (!tracker.usage) return event;
  const self = attemptUsage(tracker.usage, tracker.characters, true);
  const billed = billedUsage(tracker.usage, [...earlier.map((a) => a.usage), self]);
  return {
    ...event,
    usage: {
      ...event.usage,
      input_tokens: billed.input_tokens,
      output_tokens: billed.output_tokens,
      cache_creation_input_tokens: billed.cache_creation_input_tokens,
      cache_read_input_tokens: billed.cache_read_input_tokens,
    },
  };
}

/** The error the retry loop judges: retryable as its cause is, unless content was handed over and the policy is `fail`. */
function interruption(
  cause: unknown,
  verdict: Classification,
  partial: Message | undefined,
  plan: AttemptPlan,
  requestId: string | undefined,
): StreamInterruptedError {
  const errorType =
    typeof (cause as { type?: unknown }).type === 'string' ? (cause as { type: string }).type : undefined;
  const characters = partial
    ? partial.content.reduce((n, b) => n + (b.type === 'text' ? b.text.length : 0), 0)
    : 0;
  const failByPolicy = partial !== undefined && plan.policy === 'fail';
  const what = interruptionName(verdict.kind, errorType);
  const detail = cause instanceof Error && cause.message ? `: ${cause.message.replace(/\.$/, '')}` : '';
  const tail = failByPolicy ? ' Not retried: onInterrupt is "fail".' : '';
  return new StreamInterruptedError(
    `Stream interrupted (${what}) after ${characters} characters${detail}.${tail}`,
    {
      kind: verdict.kind,
      retryable: verdict.retryable && !failByPolicy,
      partialMessage: partial,
      errorType,
      requestId,
      attempts: plan.attempt.attempt,
      cause,
    },
  );
}
