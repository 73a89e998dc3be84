/**
 * What a worker does with one job: one Messages request through the retrying, pacing client, turned
 * into the same result line the single-process batch writes. An API error that survives the
 * client's retries is a result (`errored`), not a job failure: BullMQ's own retries are kept for
 * what the client cannot handle, a worker that dies or stalls.
 */
import { type Job, UnrecoverableError, WaitingError } from 'bullmq';
import { describeFailure, erroredLine, succeededLine } from '../batch/result-lines.js';
import type { ClaudeRetryClient } from '../client/create-client.js';
import type { Clock } from '../internal/clock.js';
import { type BatchJobData, type BatchJobResult, isBatchJobData } from './jobs.js';

export interface ProcessorContext {
  readonly client: ClaudeRetryClient;
  /** Never written into a result (the API key). */
  readonly secrets: readonly string[];
  readonly clock: Clock;
  /** Aborting it cuts the requests in flight short: their jobs go back to the queue, unanswered. */
  readonly abortSignal: AbortSignal;
  /** The API refused the key (401): every job would fail the same way on this worker. */
  readonly onFatal: (error: unknown) => void;
  /** Told when a job goes back to the queue unanswered. */
  readonly onHandBack?: (customId: string, why: 'stopped' | 'key refused') => void;
  /** Told about each job this worker finished. */
  readonly onResult?: (result: BatchJobResult, line: number) => void;
}

export type BatchJobProcessor = (
  job: Job<BatchJobData, BatchJobResult>,
  token?: string,
  signal?: AbortSignal,
) => Promise<BatchJobResult>;

/** An authentication failure fails every job on this worker: hand the job back and stop. */
function isFatal(error: unknown): boolean {
  return (error as { status?: unknown })?.status === 401;
}

/** Puts the job back in the queue for another worker (or a later run), without counting a failure. */
async function handBack(job: Job<BatchJobData, BatchJobResult>, token: string | undefined): Promise<never> {
  await job.moveToWait(token);
  throw new WaitingError();
}

export function createProcessor(context: ProcessorContext): BatchJobProcessor {
  const { client, clock } = context;
  const userOnRetry = client.options.retry?.onRetry;
  return async (job, token, bullSignal) => {
    if (!isBatchJobData(job.data)) {
      throw new UnrecoverableError(
        'This job is not a claude-retry batch job: point the worker at the queue its batch uses (--queue-name).',
      );
    }
    const { customId, line, params } = job.data;
    const signal = bullSignal ? AbortSignal.any([context.abortSignal, bullSignal]) : context.abortSignal;
    const begun = clock.now();
    let attempts = 1;
    let retries = 0;
    let rateLimited = 0;
    let result: BatchJobResult;
    try {
      const message = await client.messages.create(params, {
        signal,
        retry: {
          onRetry: (event) => {
            attempts = event.attempt + 1;
            retries++;
            if (event.status === 429) rateLimited++;
            userOnRetry?.(event);
          },
        },
      });
      const requestId = (message as { _request_id?: string | null })._request_id ?? undefined;
      const meta = { attempts, request_id: requestId, duration_ms: clock.now() - begun, line };
      result = {
        v: 1,
        customId,
        outcome: 'succeeded',
        resultLine: succeededLine(customId, message, meta),
        retries,
        rateLimited,
        inputTokens: message.usage?.input_tokens ?? 0,
        outputTokens: message.usage?.output_tokens ?? 0,
      };
    } catch (error) {
      if (signal.aborted) {
        context.onHandBack?.(customId, 'stopped');
        return handBack(job, token);
      }
      if (isFatal(error)) {
        context.onFatal(error);
        context.onHandBack?.(customId, 'key refused');
        return handBack(job, token);
      }
      const described = describeFailure(error, context.secrets);
      if (described.status === 429) rateLimited++;
      const meta = {
        attempts,
        request_id: described.requestId,
        duration_ms: clock.now() - begun,
        line,
        retryable: described.retryable,
      };
      result = {
        v: 1,
        customId,
        outcome: 'errored',
        resultLine: erroredLine(customId, { type: described.type, message: described.message }, meta),
        retries,
        rateLimited,
        inputTokens: 0,
        outputTokens: 0,
      };
    }
    context.onResult?.(result, line);
    return result;
  };
}
