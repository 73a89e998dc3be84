/** The public shapes of the batch runner: its options, its events and its summary. */
import type { Usage } from '@anthropic-ai/sdk/resources/messages';
import type { ClaudeRetryClient, ClientOptions } from '../client/create-client.js';
import type { ClientEvent } from '../client/events.js';
import type { Clock } from '../internal/clock.js';
import type { InputFormat, RequestDefaults } from './input.js';
import type { TornTail } from './results-file.js';

export interface BatchOptions {
  /** Path of the input file (JSONL, or a `.txt` file of prompts), or `-` for `stdin`. */
  readonly input: string;
  /** Path of the results file: appended to, read back to resume, compacted at the end. */
  readonly output: string;
  /** Read when `input` is `-`. @default process.stdin */
  readonly stdin?: NodeJS.ReadableStream;
  /** Relative paths start here. @default process.cwd() */
  readonly cwd?: string;
  /** The client that sends the requests (its retry policy, pacing and events apply). */
  readonly client?: ClaudeRetryClient;
  /** Options to build a client with, when `client` is not given. */
  readonly clientOptions?: ClientOptions;
  /**
   * Requests in flight at once.
   * @default 8
   */
  readonly concurrency?: number;
  /** `model` and `max_tokens` for lines that omit them. */
  readonly defaults?: RequestDefaults;
  /**
   * `jsonl`: `{"custom_id","params"}` or `{"custom_id","prompt"}` lines; `prompts`: one prompt per
   * line, ids `line-000001`...; `auto`: `prompts` for a `.txt` file, else `jsonl`.
   * @default 'auto'
   */
  readonly format?: InputFormat | 'auto';
  /** Send lines whose recorded result is `errored` again. @default false */
  readonly retryErrored?: boolean;
  /** Check every line first, and send nothing if any is bad. @default false */
  readonly strict?: boolean;
  /** Graceful stop: no new line is started once it aborts; requests in flight finish and are recorded. */
  readonly stopSignal?: AbortSignal;
  /** Hard stop: aborts requests in flight; they are not recorded, so the next run sends them again. */
  readonly signal?: AbortSignal;
  /**
   * Longest time written results wait for `fdatasync`, in milliseconds (0: after every write).
   * @default 200
   */
  readonly syncIntervalMs?: number;
  /** Progress, problems with input lines, and the client's own events. */
  readonly onEvent?: (event: BatchEvent) => void;
  /** Times the `duration_ms` of each result. @default the client's clock, else the system clock */
  readonly clock?: Clock;
}

export type BatchEvent =
  | {
      type: 'start';
      /** Input lines (not blank), when already known. */
      total: number | undefined;
      /** Ids already in the results file, by status. */
      recorded: { succeeded: number; errored: number };
      /** A torn tail cut off the results file. */
      repaired: TornTail | undefined;
      retryErrored: boolean;
    }
  | { type: 'total'; total: number }
  | {
      type: 'result';
      outcome: 'succeeded' | 'errored';
      customId: string;
      line: number;
      usage: Usage | undefined;
      /** Retries and 429 answers behind this result when they happened elsewhere (a queue worker). */
      remote?: { retries: number; rateLimited: number };
    }
  | { type: 'skipped'; customId: string; line: number; recorded: 'succeeded' | 'errored' }
  /** A bad input line: it becomes an errored result (or, for a duplicate id, is not run at all). */
  | { type: 'problem'; customId: string; line: number; message: string; duplicate: boolean }
  | { type: 'client'; event: ClientEvent }
  | { type: 'stopping'; how: 'stop' | 'abort' | 'failure' };

export interface BatchSummary {
  /** Absolute path of the results file. */
  readonly output: string;
  /** `completed`: every input line was handled; `stopped`/`aborted`: a stop signal ended the run early. */
  readonly ended: 'completed' | 'stopped' | 'aborted';
  /** Lines that succeeded in this run. */
  readonly succeeded: number;
  /** Lines recorded as errored in this run, `invalid` ones included. */
  readonly errored: number;
  /** Of `errored`: lines refused locally as bad input. */
  readonly invalid: number;
  /** Lines not run because their custom_id was used on an earlier line. */
  readonly duplicates: number;
  /** Lines skipped because the results file already had them, by status. */
  readonly skipped: { readonly succeeded: number; readonly errored: number };
  /** Requests that were in flight when `signal` aborted: left for the next run. */
  readonly interrupted: number;
  readonly retries: number;
  /** Answers with HTTP 429. */
  readonly rateLimited: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly durationMs: number;
  /** The torn tail cut off the results file before the run, if any. */
  readonly repaired: TornTail | undefined;
  /** True when the results file was rewritten to one line per id. */
  readonly compacted: boolean;
}
