/** The words printed when a batch run ends: what happened, and the exact command to carry on. */
import { basename } from 'node:path';
import type { BatchSummary } from './types.js';

const count = (n: number) => n.toLocaleString('en-US');

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export interface SummaryText {
  /** Lines for stderr. */
  readonly lines: string[];
  /** True when some lines of the batch (from this run or an earlier one) are errored. */
  readonly someErrored: boolean;
}

/**
 * `resumeCommand` is the command line that runs this batch again (without `--retry-errored`),
 * `recordedErrored` the errored ids that were skipped (already in the results file).
 */
export function describeSummary(summary: BatchSummary, resumeCommand: string): SummaryText {
  const file = basename(summary.output);
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const lines: string[] = [];
  const verb = summary.ended === 'completed' ? 'Finished' : 'Stopped';
  const bad = summary.invalid > 0 ? ` (${plural(summary.invalid, 'bad input line')})` : '';
  const skipped = summary.skipped.succeeded + summary.skipped.errored;
  const skippedText =
    skipped > 0
      ? `, ${count(skipped)} skipped (already in ${file}: ${count(summary.skipped.succeeded)} succeeded, ${count(summary.skipped.errored)} errored)`
      : '';
  const duplicates =
    summary.duplicates > 0 ? `, ${plural(summary.duplicates, 'duplicate custom_id line')} not run` : '';
  lines.push(
    `${verb} in ${seconds} s: ${count(summary.succeeded)} succeeded, ${count(summary.errored)} errored${bad}${skippedText}${duplicates}.`,
  );
  lines.push(
    `Tokens: ${count(summary.inputTokens)} in, ${count(summary.outputTokens)} out. ` +
      `Retries: ${count(summary.retries)}; 429 answers: ${count(summary.rateLimited)}.`,
  );
  if (summary.repaired) {
    lines.push(
      `Repaired ${file}: cut off a torn last line (line ${summary.repaired.line}, ${plural(summary.repaired.bytes, 'byte')}) left by an interrupted run; that line was sent again.`,
    );
  }
  if (summary.ended !== 'completed') {
    const interrupted =
      summary.interrupted > 0
        ? ` ${plural(summary.interrupted, 'request')} in flight ${summary.interrupted === 1 ? 'was' : 'were'} abandoned and will be sent again.`
        : '';
    lines.push(`Every result so far is in ${file}.${interrupted} To resume, run the same command again:`);
    lines.push(`  ${resumeCommand}`);
  }
  const errored = summary.errored + summary.skipped.errored;
  if (errored > 0) {
    lines.push(`${plural(errored, 'line')} ended as errored results. To send them again:`);
    lines.push(`  ${resumeCommand} --retry-errored`);
  }
  return { lines, someErrored: errored > 0 || summary.duplicates > 0 };
}
