import { EventEmitter } from 'node:events';
import type { Queue, QueueEvents } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { type JobOutcome, ResultCollector } from './collector.js';
import type { BatchJobData, BatchJobResult } from './jobs.js';
import { type PendingJob, PendingJobs } from './pending.js';

const PARAMS = { model: 'm', max_tokens: 1, messages: [{ role: 'user' as const, content: 'hi' }] };

function pendingJob(jobId: string, seenAt = 0): PendingJob {
  return { jobId, customId: `id-${jobId}`, line: 1, params: PARAMS, added: Promise.resolve(), seenAt };
}

/** A collector over a fake queue whose jobs are in the given states. */
function setup(
  states: Record<string, string>,
  finished: Record<string, { returnvalue?: unknown; failedReason?: string }> = {},
) {
  const events = new EventEmitter();
  const pending = new PendingJobs();
  const delivered: [string, JobOutcome][] = [];
  const requeued: string[] = [];
  const counts: number[] = [];
  const asked: string[] = [];
  const queue = {
    getJobState: async (id: string) => {
      asked.push(id);
      return states[id] ?? 'unknown';
    },
    getJob: async (id: string) => finished[id],
  };
  const collector = new ResultCollector({
    queue: queue as unknown as Queue<BatchJobData, BatchJobResult>,
    events: events as unknown as QueueEvents,
    pending,
    sweepIntervalMs: 1000,
    now: () => 5000,
    deliver: async (job, outcome) => {
      delivered.push([job.customId, outcome]);
    },
    requeue: async (job) => {
      requeued.push(job.jobId);
      states[job.jobId] = 'waiting';
    },
    onRequeued: (count) => counts.push(count),
    onError: (error) => {
      throw error;
    },
  });
  return { events, pending, delivered, requeued, counts, asked, collector };
}

describe('ResultCollector', () => {
  it('hands a result over once, however many times its job completes (a stalled job finished twice)', async () => {
    const { events, pending, delivered, collector } = setup({});
    pending.add(pendingJob('j1'));
    events.emit('completed', { jobId: 'j1', returnvalue: { first: true } });
    events.emit('completed', { jobId: 'j1', returnvalue: { second: true } });
    events.emit('failed', { jobId: 'j1', failedReason: 'late' });
    await collector.idle();
    expect(delivered).toEqual([['id-j1', { kind: 'completed', value: { first: true } }]]);
    expect(pending.size).toBe(0);
  });

  it('ignores the jobs of other batches sharing the queue', async () => {
    const { events, delivered, collector } = setup({});
    events.emit('completed', { jobId: 'someone-else', returnvalue: 1 });
    await collector.idle();
    expect(delivered).toEqual([]);
  });

  it('a sweep collects finished jobs whose events were missed, and re-adds jobs Redis lost', async () => {
    const { pending, delivered, requeued, counts, asked, collector } = setup(
      { done: 'completed', broke: 'failed', busy: 'active', recent: 'completed' },
      { done: { returnvalue: 'R' }, broke: { failedReason: 'job stalled more than allowable limit' } },
    );
    for (const id of ['done', 'broke', 'busy', 'gone']) pending.add(pendingJob(id, 1000));
    pending.add(pendingJob('recent', 4500)); // seen less than a sweep interval ago
    await collector.sweep();
    await collector.idle();
    expect(asked.sort()).toEqual(['broke', 'busy', 'done', 'gone']);
    expect(delivered).toEqual([
      ['id-done', { kind: 'completed', value: 'R' }],
      ['id-broke', { kind: 'failed', reason: 'job stalled more than allowable limit' }],
    ]);
    expect(requeued).toEqual(['gone']);
    expect(counts).toEqual([1]);
    expect(pending.get('busy')?.seenAt).toBe(5000);
    expect(pending.get('gone')?.seenAt).toBe(5000);
    await collector.sweep(true);
    expect(asked.filter((id) => id === 'recent')).toEqual(['recent']);
    await collector.stop();
  });
});

describe('PendingJobs', () => {
  it('lets a waiter in when a job leaves, or when told to look again after a stop', async () => {
    const pending = new PendingJobs();
    pending.add(pendingJob('a'));
    pending.add(pendingJob('b'));
    let roomed = false;
    const room = pending
      .waitForRoom(2, () => false)
      .then(() => {
        roomed = true;
      });
    await Promise.resolve();
    expect(roomed).toBe(false);
    expect(pending.take('a')?.jobId).toBe('a');
    expect(pending.take('a')).toBeUndefined();
    await room;
    expect(roomed).toBe(true);

    let stopped = false;
    const empty = pending.waitForEmpty(() => stopped);
    stopped = true;
    pending.wake();
    await empty;
    expect(pending.size).toBe(1);
  });
});
