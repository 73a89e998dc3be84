/**
 * A graceful stop of the coordinator: the jobs no worker has started are taken back out of the
 * queue (the next run queues them again), so workers spend nothing more on a stopped batch; the
 * jobs in flight are left to finish and be recorded.
 */
import type { Queue } from 'bullmq';
import type { BatchJobData, BatchJobResult } from './jobs.js';
import type { PendingJobs } from './pending.js';

const UNSTARTED = new Set(['waiting', 'delayed', 'prioritized']);
const AT_ONCE = 32;

/** Returns how many jobs were taken out. */
export async function withdrawUnstarted(
  queue: Queue<BatchJobData, BatchJobResult>,
  pending: PendingJobs,
): Promise<number> {
  let withdrawn = 0;
  const jobs = pending.list();
  for (let i = 0; i < jobs.length; i += AT_ONCE) {
    const outcomes = await Promise.all(
      jobs.slice(i, i + AT_ONCE).map(async (job) => {
        await job.added.catch(() => {});
        if (pending.get(job.jobId) !== job) return false;
        const state = await queue.getJobState(job.jobId);
        // `remove` refuses a job a worker holds (0), so a job started meanwhile stays and finishes.
        if (state === 'unknown' || (UNSTARTED.has(state) && (await queue.remove(job.jobId)) === 1)) {
          return pending.take(job.jobId) !== undefined;
        }
        return false;
      }),
    );
    withdrawn += outcomes.filter(Boolean).length;
  }
  return withdrawn;
}
