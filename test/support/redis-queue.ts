/** Helpers for distributed-batch tests against the real Redis: unique queues, workers, cleanup. */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { bullConnection } from '../../src/distributed/redis.js';
import { REDIS_URL } from './redis-pacing.js';
import { spawnCli } from './spawn-cli.js';

export { REDIS_URL };

/** A queue name no other test uses. */
export function uniqueQueueName(): string {
  return `test-${randomBytes(6).toString('hex')}`;
}

/** A BullMQ handle on a test queue (close it when done). */
export function testQueue(name: string, url = REDIS_URL): Queue {
  const queue = new Queue(name, { connection: bullConnection(url) });
  queue.on('error', () => {});
  return queue;
}

/** Deletes everything of a test queue from Redis. */
export async function removeQueue(name: string, url = REDIS_URL): Promise<void> {
  const queue = testQueue(name, url);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}

/** Starts `claude-retry worker` on `queueName` as a child process. */
export function spawnWorker(
  queueName: string,
  baseUrl: string,
  key: string,
  args: string[] = [],
): ChildProcess {
  return spawnCli(
    ['worker', '--queue', REDIS_URL, '--queue-name', queueName, '--base-url', baseUrl, ...args],
    { ANTHROPIC_API_KEY: key },
  );
}

/** Resolves once the child has written a line matching `pattern` on stderr (all of stderr so far). */
export function stderrMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        child.stderr?.off('data', onData);
        resolve(text);
      }
    };
    child.stderr?.on('data', onData);
    child.once('close', (code) => reject(new Error(`exited with ${code} before ${pattern}:\n${text}`)));
  });
}
