/**
 * What travels through the queue: one job per input line (the request), and the job's return value
 * (the finished result line). Both are checked on arrival, since a queue is shared ground.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { parseResultLine } from '../batch/result-index.js';

/** The BullMQ queue used when none is named. */
export const DEFAULT_QUEUE_NAME = 'claude-retry';
/** Every job has this name (BullMQ's job "name"; the queue may one day carry other kinds). */
export const JOB_NAME = 'message';

const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function isValidQueueName(name: string): boolean {
  return QUEUE_NAME.test(name);
}

export interface BatchJobData {
  /** Format version of this payload. */
  readonly v: 1;
  /** Which batch (results file) the job belongs to, see batchKeyFor. */
  readonly batch: string;
  readonly customId: string;
  /** The input line, for the result's `claude_retry.line`. */
  readonly line: number;
  readonly params: MessageCreateParamsNonStreaming;
}

/** A job's return value: the result line as it goes into the results file, plus counts for the summary. */
export interface BatchJobResult {
  readonly v: 1;
  readonly customId: string;
  readonly outcome: 'succeeded' | 'errored';
  /** One results-file line (JSON, no newline). */
  readonly resultLine: string;
  readonly retries: number;
  /** 429 answers this request got. */
  readonly rateLimited: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * Identifies one batch: the results file on this machine. Resuming the same command finds the same
 * key, so jobs left in the queue by an interrupted run are found again instead of sent twice.
 */
export function batchKeyFor(resultsPath: string): string {
  return hash(`${hostname()}\n${resultsPath}`).slice(0, 16);
}

/**
 * The job id: the batch, the custom_id and the request itself. Adding a job whose id is already in
 * the queue does nothing, so enqueueing again on resume is idempotent; and a changed request under
 * the same id (an edited input) is a new job, never an old answer.
 */
export function jobIdFor(batch: string, customId: string, params: unknown): string {
  // `cr-` keeps the id from being all digits, which BullMQ would read as one of its own numeric ids.
  return `cr-${hash(`${batch}\n${customId}\n${JSON.stringify(params)}`).slice(0, 40)}`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a job's data is one of ours (a worker pointed at someone else's queue refuses the rest). */
export function isBatchJobData(value: unknown): value is BatchJobData {
  return (
    isRecord(value) &&
    value.v === 1 &&
    typeof value.batch === 'string' &&
    typeof value.customId === 'string' &&
    typeof value.line === 'number' &&
    isRecord(value.params)
  );
}

/**
 * The job result for `customId`, or a sentence saying what is wrong with it. A worker of another
 * version, or a stray process, must not put a foreign line into the results file.
 */
export function readJobResult(value: unknown, customId: string): BatchJobResult | string {
  const result = typeof value === 'string' ? parseJson(value) : value;
  if (!isRecord(result) || result.v !== 1 || typeof result.resultLine !== 'string') {
    return 'the worker returned something that is not a claude-retry result (is it the same version?)';
  }
  const parsed = parseResultLine(result.resultLine);
  if (!parsed || parsed.id !== customId || result.customId !== customId) {
    return `the worker returned a result line that is not for custom_id "${customId}"`;
  }
  const outcome = parsed.status;
  if ((outcome !== 'succeeded' && outcome !== 'errored') || outcome !== result.outcome) {
    return 'the worker returned a result line whose outcome does not match';
  }
  const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);
  return {
    v: 1,
    customId,
    outcome,
    resultLine: result.resultLine,
    retries: count(result.retries),
    rateLimited: count(result.rateLimited),
    inputTokens: count(result.inputTokens),
    outputTokens: count(result.outputTokens),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
