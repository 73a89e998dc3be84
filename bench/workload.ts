/** Runs N requests through a `Send` from W concurrent workers and records what happened, when. */
import { setMaxListeners } from 'node:events';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import type { Send } from './contenders.js';

export interface WorkloadResult {
  succeeded: number;
  failed: number;
  /** From the first send to the last answer, in ms. */
  elapsedMs: number;
  startedAt: number;
  /** When each success arrived (epoch ms), in order of arrival. */
  successTimes: number[];
  /** The first few distinct failure messages. */
  failures: string[];
  /** Stopped by the time limit. */
  timedOut: boolean;
}

export async function runWorkload(
  send: Send,
  bodies: readonly MessageCreateParamsNonStreaming[],
  workers: number,
  timeLimitMs: number,
): Promise<WorkloadResult> {
  const stop = new AbortController();
  // Every request in flight listens to this one signal.
  setMaxListeners(0, stop.signal);
  const timer = setTimeout(() => stop.abort(new Error('bench time limit')), timeLimitMs);
  const result: WorkloadResult = {
    succeeded: 0,
    failed: 0,
    elapsedMs: 0,
    startedAt: Date.now(),
    successTimes: [],
    failures: [],
    timedOut: false,
  };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      try {
        await send(bodies[i] as MessageCreateParamsNonStreaming, stop.signal);
        result.succeeded++;
        result.successTimes.push(Date.now());
      } catch (error) {
        result.failed++;
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        const short = text.slice(0, 90);
        if (result.failures.length < 3 && !result.failures.includes(short)) result.failures.push(short);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  clearTimeout(timer);
  result.timedOut = stop.signal.aborted;
  result.elapsedMs = Date.now() - result.startedAt;
  return result;
}
