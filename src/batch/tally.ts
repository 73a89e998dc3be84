/** The counts a batch run keeps as it goes, and the summary made from them. */
import { createReadStream } from 'node:fs';
import type { Usage } from '@anthropic-ai/sdk/resources/messages';
import type { ClientEvent } from '../client/events.js';
import { countItems } from './input.js';
import type { ScannedResults, TornTail } from './results-file.js';
import type { BatchEvent, BatchSummary } from './types.js';

export class Tally {
  succeeded = 0;
  errored = 0;
  invalid = 0;
  duplicates = 0;
  interrupted = 0;
  retries = 0;
  rateLimited = 0;
  inputTokens = 0;
  outputTokens = 0;
  private readonly skipped = { succeeded: 0, errored: 0 };

  constructor(private readonly repaired: TornTail | undefined) {}

  skip(recorded: 'succeeded' | 'errored'): void {
    this.skipped[recorded]++;
  }

  succeed(usage: Usage | undefined): void {
    this.succeeded++;
    this.inputTokens += usage?.input_tokens ?? 0;
    this.outputTokens += usage?.output_tokens ?? 0;
  }

  noteClientEvent(event: ClientEvent): void {
    if (event.type === 'retry') this.retries++;
    else if (event.type === 'response' && event.status === 429) this.rateLimited++;
  }

  summary(
    output: string,
    ended: BatchSummary['ended'],
    durationMs: number,
    compacted: boolean,
  ): BatchSummary {
    return {
      output,
      ended,
      succeeded: this.succeeded,
      errored: this.errored,
      invalid: this.invalid,
      duplicates: this.duplicates,
      skipped: { ...this.skipped },
      interrupted: this.interrupted,
      retries: this.retries,
      rateLimited: this.rateLimited,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      durationMs,
      repaired: this.repaired,
      compacted,
    };
  }
}

/** Non-blank lines of a file, for the progress total. */
export function countItemsOf(path: string): Promise<number> {
  return countItems(createReadStream(path, { highWaterMark: 1 << 20 }));
}

/**
 * Tells the display a run has begun with what the results file already holds, then, for a file
 * input whose size was not counted yet, its total once a quick streaming count has it.
 */
export function announceStart(
  emit: (event: BatchEvent) => void,
  run: {
    /** Input lines, when already known. */
    readonly total: number | undefined;
    /** The input file, to count when `total` is not known (none for standard input). */
    readonly inputPath: string | undefined;
    /** What scanning the results file found. */
    readonly results: Pick<ScannedResults, 'index' | 'repaired'>;
    readonly retryErrored: boolean;
  },
): void {
  const { total, inputPath, results, retryErrored } = run;
  emit({
    type: 'start',
    total,
    recorded: { succeeded: results.index.succeeded, errored: results.index.errored },
    repaired: results.repaired,
    retryErrored,
  });
  if (total === undefined && inputPath !== undefined) {
    countItemsOf(inputPath).then(
      (counted) => emit({ type: 'total', total: counted }),
      () => {}, // Only the progress bar's total is lost.
    );
  }
}
