import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkRedisUrl, RedisHealth, redactRedisUrl, redactUrlArgs } from './redis.js';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('Redis URLs', () => {
  it('accepts redis:// and rediss:// URLs and refuses anything else, naming the flag', () => {
    expect(checkRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(checkRedisUrl('rediss://cache.example.com:6380/2')).toBe('rediss://cache.example.com:6380/2');
    expect(() => checkRedisUrl('127.0.0.1:6379')).toThrow(
      '--queue expects a Redis URL such as redis://127.0.0.1:6379, got "127.0.0.1:6379".',
    );
    expect(() => checkRedisUrl('http://127.0.0.1:6379')).toThrow(
      '--queue expects a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "http://127.0.0.1:6379".',
    );
  });

  it('never shows a password', () => {
    expect(redactRedisUrl('redis://:hunter2secret@cache:6379/0')).toBe('redis://:***@cache:6379/0');
    expect(redactRedisUrl('redis://app:hunter2secret@cache:6379')).toBe('redis://app:***@cache:6379');
    expect(redactRedisUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(redactRedisUrl('--queue=redis://:hunter2secret@cache')).toBe('--queue=redis://:***@cache');
    expect(() => checkRedisUrl('nope://:hunter2secret@cache')).toThrow('nope://:***@cache');
    expect(redactUrlArgs(['batch', 'in.jsonl', '--queue', 'redis://:pw123456@h:1'])).toEqual([
      'batch',
      'in.jsonl',
      '--queue',
      'redis://:***@h:1',
    ]);
  });
});

describe('RedisHealth.connect', () => {
  it('fails fast with a clear error when nothing listens', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expect(RedisHealth.connect(`redis://:pw-secret-1@127.0.0.1:${port}`)).rejects.toThrow(
      `Cannot reach Redis at redis://:***@127.0.0.1:${port}: connection refused (is Redis running on that host and port?). ` +
        'Start Redis (for example `redis-server`), or fix the URL given to --queue.',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up after its timeout when the server accepts but never answers', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(RedisHealth.connect(`redis://127.0.0.1:${port}`, { timeoutMs: 200 })).rejects.toThrow(
        `Cannot reach Redis at redis://127.0.0.1:${port}: no answer in time.`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
