/**
 * The coordinator's side of the results file: the single-process batch's journal, index and
 * tally, fed with lines built locally (bad input) or returned by workers. Each write that fails
 * stops the run with a message that says the results so far are safe.
 */
import { ResultsJournal } from '../batch/journal.js';
import type { ResultIndex } from '../batch/result-index.js';
import { erroredLine } from '../batch/result-lines.js';
import type { Tally } from '../batch/tally.js';
import type { BatchEvent } from '../batch/types.js';
import { ClaudeRetryError } from '../errors.js';
import type { JobOutcome } from './collector.js';
import { readJobResult } from './jobs.js';

export interface ResultsWriterContext {
  readonly output: string;
  readonly index: ResultIndex;
  readonly tally: Tally;
  readonly emit: (event: BatchEvent) => void;
  /** Stops the run (a write failed). */
  readonly fail: (error: unknown) => void;
}

export class ResultsWriter {
  /** Jobs whose result was unusable: recorded as errored `worker_error`. */
  workerFailures = 0;

  private constructor(
    private readonly journal: ResultsJournal,
    private readonly context: ResultsWriterContext,
  ) {}

  static async open(context: ResultsWriterContext, syncIntervalMs: number): Promise<ResultsWriter> {
    return new ResultsWriter(await ResultsJournal.open(context.output, { syncIntervalMs }), context);
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  /** A bad input line, refused here: an errored line that will not be retried as it is. */
  async invalid(customId: string, line: number, message: string): Promise<void> {
    const error = { type: 'invalid_request_error', message: `Input line ${line}: ${message}` };
    if (!(await this.append(erroredLine(customId, error, { attempts: 0, line, retryable: false })))) return;
    this.context.tally.invalid++;
    this.noteErrored(customId, line);
  }

  /** Writes what a worker made of a job; true once the line is written (the job may then go). */
  async finished(customId: string, line: number, outcome: JobOutcome): Promise<boolean> {
    const { index, tally } = this.context;
    const result =
      outcome.kind === 'completed'
        ? readJobResult(outcome.value, customId)
        : `the job failed in the worker: ${outcome.reason}`;
    if (typeof result === 'string') {
      this.workerFailures++;
      const error = { type: 'worker_error', message: `${result}. Send it again with --retry-errored.` };
      if (!(await this.append(erroredLine(customId, error, { attempts: 0, line, retryable: true }))))
        return false;
      this.noteErrored(customId, line);
      return true;
    }
    if (!(await this.append(result.resultLine))) return false;
    index.record(customId, result.outcome);
    tally.retries += result.retries;
    tally.rateLimited += result.rateLimited;
    if (result.outcome === 'succeeded') {
      tally.succeeded++;
      tally.inputTokens += result.inputTokens;
      tally.outputTokens += result.outputTokens;
    } else tally.errored++;
    this.context.emit({
      type: 'result',
      outcome: result.outcome,
      customId,
      line,
      usage: undefined,
      remote: { retries: result.retries, rateLimited: result.rateLimited },
    });
    return true;
  }

  private noteErrored(customId: string, line: number): void {
    this.context.index.record(customId, 'errored');
    this.context.tally.errored++;
    this.context.emit({ type: 'result', outcome: 'errored', customId, line, usage: undefined });
  }

  private async append(text: string): Promise<boolean> {
    try {
      await this.journal.append(text);
      return true;
    } catch (error) {
      const why = (error as Error).message;
      this.context.fail(
        new ClaudeRetryError(
          `Could not write to ${this.context.output}: ${why}. The results written so far are safe; fix this and run the same command again to resume.`,
          { cause: error },
        ),
      );
      return false;
    }
  }
}
