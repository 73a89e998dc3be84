/**
 * `claude-retry batch --queue` with `claude-retry worker` processes, all real: Redis at
 * 127.0.0.1:6379, BullMQ, worker child processes, the simulated API over HTTP.
 */
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  linesPerId,
  readResults,
  requestLines,
  type TempDir,
  tempDir,
} from '../src/batch/test-support/fixtures.js';
import { runCli } from '../src/cli/program.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { captureIO } from './support/io.js';
import { deleteNamespace } from './support/redis-pacing.js';
import {
  REDIS_URL,
  removeQueue,
  spawnWorker,
  stderrMatching,
  testQueue,
  uniqueQueueName,
} from './support/redis-queue.js';
import { type Finished, finished } from './support/spawn-cli.js';

const KEY = 'sk-test-distributed-workers-7';

let dir: TempDir;
let server: MockServer;
let queueName: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await tempDir();
  server = await startMockServer();
  queueName = uniqueQueueName();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await removeQueue(queueName);
  await deleteNamespace(KEY);
  await server.close();
  await dir.remove();
});

/** Starts a worker and resolves once it is taking jobs, with a promise of its whole run. */
async function startWorker(args: string[] = []): Promise<{ child: ChildProcess; run: Promise<Finished> }> {
  const child = spawnWorker(queueName, server.url, KEY, args);
  children.push(child);
  const run = finished(child);
  await stderrMatching(child, /takes jobs from queue/);
  return { child, run };
}

function jobsDone(stderr: string): number {
  const match = /stopped: (\d+) jobs? done \((\d+) succeeded, (\d+) errored\)/.exec(stderr);
  if (!match) throw new Error(`no final report in:\n${stderr}`);
  return Number(match[1]);
}

describe('batch --queue with worker processes', () => {
  it('two workers sharing pacing through Redis complete the batch: one line per id, each request sent once', async () => {
    server.setFaults({ latencyMs: 40 });
    const shared = ['-c', '2', '--redis', REDIS_URL];
    const workers = await Promise.all([startWorker(shared), startWorker(shared)]);
    const input = await dir.write('in.jsonl', requestLines(30));
    const output = dir.file('out.jsonl');
    const io = captureIO(); // no API key: the coordinator sends nothing itself

    const code = await runCli(
      ['batch', input, '-o', output, '--queue', REDIS_URL, '--queue-name', queueName],
      io,
    );

    expect(io.err()).toMatch(/^Finished in \d+\.\d s: 30 succeeded, 0 errored\.\nTokens: \d+ in, \d+ out\. /);
    expect(code).toBe(0);
    const results = await readResults(output);
    expect(results).toHaveLength(30);
    expect([...linesPerId(results).values()].every((n) => n === 1)).toBe(true);
    for (const r of results) {
      expect(r.result.type).toBe('succeeded');
      expect(r.result.message.content[0].text).toBe(`reply ${r.custom_id}`);
      expect(r.claude_retry).toMatchObject({ attempts: 1, line: Number(r.custom_id.slice(1)) });
    }
    expect(server.stats.requests).toBe(30);
    // Finished jobs are removed once written.
    const queue = testQueue(queueName);
    expect(await queue.getJobCounts('waiting', 'active', 'completed', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
      failed: 0,
    });
    await queue.close();

    for (const { child } of workers) child.kill('SIGTERM');
    const runs = await Promise.all(workers.map(({ run }) => run));
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    const done = runs.map((run) => jobsDone(run.stderr));
    expect(done[0]! + done[1]!).toBe(30);
    expect(done.every((n) => n > 0)).toBe(true);
    for (const run of runs) expect(run.stderr + run.stdout).not.toContain(KEY);
  });

  it('a worker killed with SIGKILL mid-request loses nothing: its jobs go to the other, one line per id', async () => {
    server.setFaults({ latencyMs: 1500 });
    const fast = ['-c', '3', '--no-pacing', '--lock-duration', '1', '--stalled-interval', '0.5'];
    const [doomed, survivor] = await Promise.all([startWorker(fast), startWorker(fast)]);
    const input = await dir.write('in.jsonl', requestLines(12));
    const output = dir.file('out.jsonl');
    const io = captureIO();
    const batch = runCli(['batch', input, '-o', output, '--queue', REDIS_URL, '--queue-name', queueName], io);

    // Wait until the doomed worker holds jobs whose requests reached the server, then kill it.
    const queue = testQueue(queueName);
    const doomedName = `${hostname()}:${doomed.child.pid}`;
    let held: string[] = [];
    await vi.waitFor(
      async () => {
        expect(server.stats.requests).toBeGreaterThanOrEqual(6);
        const active = await queue.getActive();
        held = active.filter((job) => job.processedBy === doomedName).map((job) => job.data.customId);
        expect(held.length).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    doomed.child.kill('SIGKILL');
    await queue.close();

    expect(await batch).toBe(0);
    expect((await doomed.run).code).toBe(null); // killed, no goodbye
    const results = await readResults(output);
    expect(results).toHaveLength(12);
    expect([...linesPerId(results).values()].every((n) => n === 1)).toBe(true);
    expect(results.every((r) => r.result.type === 'succeeded')).toBe(true);
    for (const id of held) expect(results.filter((r) => r.custom_id === id)).toHaveLength(1);
    // The killed worker's requests were sent again by the survivor.
    expect(server.stats.requests).toBe(12 + held.length);

    survivor.child.kill('SIGTERM');
    const end = await survivor.run;
    expect(end.code).toBe(0);
    expect(jobsDone(end.stderr)).toBe(12);
    expect(end.stderr).toContain('A job whose worker stopped answering was put back in the queue');
  });
});
