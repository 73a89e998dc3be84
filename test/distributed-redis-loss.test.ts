/**
 * Redis lost in the middle of a distributed batch, on a throwaway redis-server of its own: the run
 * pauses, reconnects, queues again what the restarted (empty) Redis lost, and ends with exactly one
 * line per id.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import {
  linesPerId,
  readResults,
  requestLines,
  type TempDir,
  tempDir,
} from '../src/batch/test-support/fixtures.js';
import { runDistributedBatch } from '../src/distributed/coordinator.js';
import type { DistributedBatchEvent, WorkerEvent } from '../src/distributed/types.js';
import { startBatchWorker } from '../src/distributed/worker.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { freePort, startRedisServer, stopRedisServer } from './support/redis-pacing.js';
import { uniqueQueueName } from './support/redis-queue.js';

let dir: TempDir;
let server: MockServer;
let port: number;
beforeEach(async () => {
  dir = await tempDir();
  server = await startMockServer();
  port = await freePort();
  await startRedisServer(port);
});
afterEach(async () => {
  await stopRedisServer(port);
  await server.close();
  await dir.remove();
});

it('a Redis restart without its data mid-batch: lost jobs are queued again, one line per id', async () => {
  const url = `redis://127.0.0.1:${port}`;
  const queueName = uniqueQueueName();
  server.setFaults({ latencyMs: 100 });
  const workerEvents: WorkerEvent[] = [];
  const worker = await startBatchWorker({
    queue: url,
    queueName,
    concurrency: 2,
    lockDurationMs: 1000,
    stalledIntervalMs: 500,
    clientOptions: { apiKey: 'sk-test-redis-loss-1', baseURL: server.url, pacing: false },
    onEvent: (event) => workerEvents.push(event),
  });
  const events: DistributedBatchEvent[] = [];
  const input = await dir.write('in.jsonl', requestLines(16));
  const run = runDistributedBatch({
    input,
    output: dir.file('out.jsonl'),
    queue: url,
    queueName,
    defaults: { model: 'claude-test', maxTokens: 100 },
    sweepIntervalMs: 200,
    onEvent: (event) => events.push(event),
  });
  await vi.waitFor(() => expect(events.filter((e) => e.type === 'result').length).toBeGreaterThanOrEqual(4), {
    timeout: 10_000,
  });
  await stopRedisServer(port);
  await vi.waitFor(
    () => expect(events).toContainEqual(expect.objectContaining({ type: 'connection', state: 'lost' })),
    {
      timeout: 5000,
    },
  );
  await startRedisServer(port);

  const summary = await run;
  expect(summary.ended).toBe('completed');
  expect(summary.succeeded).toBe(16);
  expect(summary.requeued).toBeGreaterThan(0);
  expect(events).toContainEqual({
    type: 'connection',
    state: 'restored',
    detail: 'the connection to Redis is back',
  });
  const results = await readResults(dir.file('out.jsonl'));
  expect(results).toHaveLength(16);
  expect([...linesPerId(results).values()].every((n) => n === 1)).toBe(true);
  expect(workerEvents).toContainEqual(expect.objectContaining({ type: 'connection', state: 'lost' }));
  await worker.close();
});
