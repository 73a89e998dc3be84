/** The end of a batch run as a person sees it, the same for a single-process and a queued batch. */
import type { BatchProgress } from '../batch/progress.js';
import { describeSummary } from '../batch/summary.js';
import type { BatchSummary } from '../batch/types.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';

export interface BatchRunDisplay<S extends BatchSummary> {
  readonly progress: BatchProgress;
  readonly io: CliIO;
  readonly output: string;
  readonly resumeCommand: string;
  /** Whether the run got as far as its `start` event (results may have been written). */
  readonly hasStarted: () => boolean;
  /** Lines of its own a kind of batch adds to the summary. */
  readonly moreLines?: (summary: S) => string[];
}

/**
 * Runs the batch, stops the progress display either way, and prints the summary (or, when the run
 * failed after it had started, where the results are and how to resume). Returns the exit code.
 */
export async function showBatchRun<S extends BatchSummary>(
  run: () => Promise<S>,
  display: BatchRunDisplay<S>,
): Promise<{ summary: S; exitCode: ExitCodeValue }> {
  const { progress, io } = display;
  let summary: S;
  try {
    summary = await run();
  } catch (error) {
    progress.stop();
    if (display.hasStarted()) {
      io.stderr.write(
        `The results written so far are kept in ${display.output}. Once the problem below is fixed, resume with:\n  ${display.resumeCommand}\n`,
      );
    }
    throw error;
  }
  progress.stop();
  const text = describeSummary(summary, display.resumeCommand);
  io.stderr.write(`${[...text.lines, ...(display.moreLines?.(summary) ?? [])].join('\n')}\n`);
  if (summary.ended !== 'completed') return { summary, exitCode: ExitCode.Interrupted };
  return { summary, exitCode: text.someErrored ? ExitCode.PartialBatch : ExitCode.Success };
}

/** What both kinds of batch command read from their flags and the terminal alike. */
export interface CommonBatchFlags {
  readonly input: string;
  readonly output: string;
  readonly model?: string | undefined;
  readonly maxTokens?: number | undefined;
  readonly prompts?: boolean | undefined;
  readonly retryErrored?: boolean | undefined;
  readonly strict?: boolean | undefined;
}

/** The run options shared by `runBatch` and `runDistributedBatch`, from the flags and the IO. */
export function commonBatchOptions(flags: CommonBatchFlags, io: CliIO) {
  return {
    input: flags.input,
    output: flags.output,
    stdin: io.stdin,
    cwd: io.cwd,
    defaults: { model: flags.model, maxTokens: flags.maxTokens },
    ...(flags.prompts ? { format: 'prompts' as const } : {}),
    retryErrored: flags.retryErrored,
    strict: flags.strict,
    stopSignal: io.signal,
    ...(io.forceSignal ? { signal: io.forceSignal } : {}),
  };
}
