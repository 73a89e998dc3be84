/** Helpers for tests against a real Redis (127.0.0.1:6379; CI starts it). */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { namespaceFor } from '../../src/pacing/redis/connection.js';

export const REDIS_URL = process.env.CLAUDE_RETRY_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A fake API key no other test uses, so every test has its own namespace. */
export function uniqueKey(): string {
  return `sk-test-${randomBytes(8).toString('hex')}`;
}

/** Deletes every key of the namespace of `apiKey`. */
export async function deleteNamespace(apiKey: string, url = REDIS_URL): Promise<void> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await admin.keys(`claude-retry:{${namespaceFor(apiKey)}}:*`);
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a throwaway redis-server on `port` (no persistence) and resolves once it answers. */
export async function startRedisServer(port: number): Promise<void> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((resolve) => child.on('close', resolve));
  // Daemonized, it may take a moment to listen: ask until it answers (bounded).
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/** Stops the throwaway server on `port` without saving. */
export async function stopRedisServer(port: number): Promise<void> {
  const child = spawn('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('close', resolve));
}
