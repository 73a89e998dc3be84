import { describe, expect, it } from 'vitest';
import { BatchProgress, describeProgress, progressBar } from './progress.js';

const base = {
  work: 1000,
  done: 250,
  succeeded: 240,
  errored: 10,
  skipped: 5,
  retries: 12,
  rateLimited: 3,
  pacing: undefined,
  elapsedMs: 50_000,
};

describe('describeProgress', () => {
  it('shows done/total, rate, ETA, outcomes, retries and 429s', () => {
    expect(describeProgress(base)).toBe(
      '250/1,000 (25%) | 5.0/s | ETA 2m30s | 240 ok, 10 errored, 5 skipped | 12 retries, 3x429',
    );
  });

  it('shows the pacing state when there is one, and no ETA without a total', () => {
    expect(describeProgress({ ...base, work: undefined, pacing: 'throttled' })).toBe(
      '250 done | 5.0/s | 240 ok, 10 errored, 5 skipped | 12 retries, 3x429 | pacing: throttled',
    );
  });

  it('says ? for the ETA before anything is done', () => {
    expect(describeProgress({ ...base, done: 0, elapsedMs: 0 })).toContain('0/1,000 (0%) | 0.0/s | ETA ?');
  });

  it('draws a bar only when the total is known', () => {
    expect(progressBar(5, 10, 10)).toBe('[#####-----] ');
    expect(progressBar(5, undefined)).toBe('');
  });
});

describe('BatchProgress without a terminal', () => {
  function plain() {
    let text = '';
    let now = 0;
    const progress = new BatchProgress(
      { isTTY: false, write: (t) => (text += t) },
      { intervalMs: 60_000, now: () => now },
    );
    return { progress, text: () => text, advance: (ms: number) => (now += ms) };
  }

  it('counts work as input lines minus those already recorded (errored ones too, unless retried)', () => {
    const { progress } = plain();
    progress.handle({
      type: 'start',
      total: 10,
      recorded: { succeeded: 3, errored: 2 },
      repaired: undefined,
      retryErrored: false,
    });
    progress.handle({ type: 'result', outcome: 'succeeded', customId: 'a', line: 1, usage: undefined });
    progress.stop();
    expect(progress.status()).toMatch(/^1\/5 \(20%\)/);
  });

  it('prints the first 20 bad lines in full, then one note', () => {
    const { progress, text } = plain();
    for (let line = 1; line <= 25; line++) {
      progress.handle({
        type: 'problem',
        customId: `line-${line}`,
        line,
        message: 'not valid JSON',
        duplicate: false,
      });
    }
    progress.stop();
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('line 1: not valid JSON');
    expect(lines[20]).toBe(
      'More bad lines follow (not shown): bad lines are recorded as errored results, type invalid_request_error.',
    );
  });
});
