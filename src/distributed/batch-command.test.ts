import { describe, expect, it } from 'vitest';
import { BatchProgress } from '../batch/progress.js';
import { describeQueueEvent, queueSummaryLines } from './batch-command.js';
import type { DistributedBatchSummary } from './types.js';

const URL = 'redis://:secret-pw-1@cache:6379';

describe('what the coordinator prints', () => {
  it('counts the retries and 429s that happened in the workers in its progress line', () => {
    const progress = new BatchProgress({ isTTY: false, write: () => {} }, { now: () => 0 });
    progress.handle({
      type: 'start',
      total: 2,
      recorded: { succeeded: 0, errored: 0 },
      repaired: undefined,
      retryErrored: false,
    });
    const result = { type: 'result', customId: 'a', line: 1, usage: undefined } as const;
    progress.handle({ ...result, outcome: 'succeeded', remote: { retries: 3, rateLimited: 2 } });
    progress.handle({ ...result, outcome: 'errored', remote: { retries: 1, rateLimited: 0 } });
    progress.stop();
    expect(progress.status()).toBe(
      '2/2 (100%) | 0.0/s | ETA ? | 1 ok, 1 errored, 0 skipped | 4 retries, 2x429',
    );
  });

  it('says how to start a worker, without the Redis password', () => {
    expect(describeQueueEvent({ type: 'workers', count: 0 }, URL, 'claude-retry')).toBe(
      'No worker is connected to queue "claude-retry" yet; start some (the jobs wait in the queue meanwhile):\n' +
        '  claude-retry worker --queue redis://:***@cache:6379',
    );
    expect(describeQueueEvent({ type: 'workers', count: 0 }, URL, 'eu')).toContain('--queue-name eu');
    expect(describeQueueEvent({ type: 'workers', count: 2 }, URL, 'eu')).toBeUndefined();
  });

  it('explains a Redis outage, its end, and jobs queued again', () => {
    expect(
      describeQueueEvent({ type: 'connection', state: 'lost', detail: 'connection refused' }, URL, 'q'),
    ).toBe(
      'Lost the connection to Redis (connection refused): reconnecting. Results already written are safe; workers keep their finished results in Redis until it is back.',
    );
    expect(describeQueueEvent({ type: 'connection', state: 'restored', detail: '' }, URL, 'q')).toBe(
      'Reconnected to Redis: collecting results again.',
    );
    expect(describeQueueEvent({ type: 'requeued', count: 1 }, URL, 'q')).toBe(
      '1 job had vanished from Redis (restarted without its data?) and was queued again.',
    );
  });

  it('adds what the queue did to the summary, only when it did something', () => {
    const summary = {
      withdrawn: 0,
      leftInQueue: 0,
      workerFailures: 0,
      requeued: 0,
    } as DistributedBatchSummary;
    expect(queueSummaryLines(summary)).toEqual([]);
    expect(
      queueSummaryLines({ ...summary, withdrawn: 5, leftInQueue: 1, workerFailures: 2, requeued: 3 }),
    ).toEqual([
      '5 jobs not yet started were taken back out of the queue; they run when you resume.',
      '1 job was left in the queue: workers go on with them, and the next run collects their results.',
      '2 jobs failed in the workers (recorded as errored, type worker_error).',
      '3 jobs had to be queued again after Redis lost them.',
    ]);
  });
});
