import { describe, expect, it } from 'vitest';
import { describeSummary } from './summary.js';
import type { BatchSummary } from './types.js';

const summary: BatchSummary = {
  output: '/data/results.jsonl',
  ended: 'completed',
  succeeded: 98,
  errored: 2,
  invalid: 1,
  duplicates: 0,
  skipped: { succeeded: 900, errored: 0 },
  interrupted: 0,
  retries: 7,
  rateLimited: 4,
  inputTokens: 12_345,
  outputTokens: 6_789,
  durationMs: 12_345,
  repaired: undefined,
  compacted: false,
};
const resume = 'claude-retry batch in.jsonl -o results.jsonl';

describe('describeSummary', () => {
  it('says what happened and how to send errored lines again', () => {
    expect(describeSummary(summary, resume)).toEqual({
      someErrored: true,
      lines: [
        'Finished in 12.3 s: 98 succeeded, 2 errored (1 bad input line), 900 skipped (already in results.jsonl: 900 succeeded, 0 errored).',
        'Tokens: 12,345 in, 6,789 out. Retries: 7; 429 answers: 4.',
        '2 lines ended as errored results. To send them again:',
        `  ${resume} --retry-errored`,
      ],
    });
  });

  it('after a stop, prints the command that resumes and the repaired torn line', () => {
    const text = describeSummary(
      {
        ...summary,
        ended: 'stopped',
        errored: 0,
        invalid: 0,
        interrupted: 1,
        repaired: { line: 901, bytes: 37 },
      },
      resume,
    );
    expect(text.someErrored).toBe(false);
    expect(text.lines.slice(1)).toEqual([
      'Tokens: 12,345 in, 6,789 out. Retries: 7; 429 answers: 4.',
      'Repaired results.jsonl: cut off a torn last line (line 901, 37 bytes) left by an interrupted run; that line was sent again.',
      'Every result so far is in results.jsonl. 1 request in flight was abandoned and will be sent again. To resume, run the same command again:',
      `  ${resume}`,
    ]);
    expect(text.lines[0]).toMatch(/^Stopped in 12\.3 s: /);
  });

  it('counts errored lines from earlier runs, and duplicates, as not all succeeded', () => {
    const earlier = describeSummary(
      { ...summary, errored: 0, invalid: 0, skipped: { succeeded: 1, errored: 3 } },
      resume,
    );
    expect(earlier.someErrored).toBe(true);
    expect(earlier.lines).toContain('3 lines ended as errored results. To send them again:');
    expect(describeSummary({ ...summary, errored: 0, invalid: 0, duplicates: 2 }, resume).someErrored).toBe(
      true,
    );
  });
});
