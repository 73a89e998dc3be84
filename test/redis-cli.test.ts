/** --redis on the CLI: shared pacing for prompt and batch, clear errors, and a process that exits by itself. */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readResults, requestLines, type TempDir, tempDir } from '../src/batch/test-support/fixtures.js';
import { runCli } from '../src/cli/program.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { captureIO } from './support/io.js';
import { deleteNamespace, freePort, REDIS_URL, uniqueKey } from './support/redis-pacing.js';
import { finished, spawnCli } from './support/spawn-cli.js';

let server: MockServer;
let dir: TempDir;
let key: string;
beforeEach(async () => {
  server = await startMockServer();
  dir = await tempDir();
  key = uniqueKey();
});
afterEach(async () => {
  await server.close();
  await dir.remove();
  await deleteNamespace(key);
});

async function keysInRedis(): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.keys('claude-retry:*')).filter(
      (k) => k.includes(namespaceOf(key)) || k.includes(key),
    );
  } finally {
    redis.disconnect();
  }
}

function namespaceOf(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

describe('claude-retry --redis', () => {
  it('sends a prompt with its pacing state in Redis under a hash of the key, and exits by itself', async () => {
    const child = spawnCli(
      ['--base-url', server.url, '--redis', REDIS_URL, '-m', 'claude-x', 'echo: shared'],
      {
        ANTHROPIC_API_KEY: key,
      },
    );
    const { code, stdout, stderr } = await finished(child);
    expect([code, stdout, stderr]).toEqual([0, 'shared\n', 'Success!\n']);
    expect(await keysInRedis()).toEqual([`claude-retry:{${namespaceOf(key)}}:model:claude-x`]);
  });

  it('exits 2 with a clear message, sending nothing, when Redis cannot be reached', async () => {
    const port = await freePort();
    const io = captureIO({ ANTHROPIC_API_KEY: key });
    const code = await runCli(['--base-url', server.url, '--redis', `redis://127.0.0.1:${port}`, 'hi'], io);
    expect(code).toBe(2);
    expect(io.err()).toBe(
      `Error: Cannot reach Redis at redis://127.0.0.1:${port}: connection refused. Start Redis or drop --redis.\n`,
    );
    expect(server.stats.requests).toBe(0);
  });

  it('exits 2 for a value that is not a Redis URL, and for --redis with --no-pacing', async () => {
    const notUrl = captureIO({ ANTHROPIC_API_KEY: key });
    expect(await runCli(['--redis', '127.0.0.1:6379', 'hi'], notUrl)).toBe(2);
    expect(notUrl.err()).toBe(
      'Error: --redis expects a Redis URL such as redis://127.0.0.1:6379, got "127.0.0.1:6379".\n',
    );
    const both = captureIO({ ANTHROPIC_API_KEY: key });
    expect(await runCli(['--no-pacing', '--redis', REDIS_URL, 'hi'], both)).toBe(2);
    expect(both.err()).toBe(
      'Error: --redis shares the pacing, which --no-pacing turns off: drop one of the two.\n',
    );
  });

  it('runs a batch with shared pacing, and refuses to start one (writing nothing) when Redis is away', async () => {
    await dir.write('in.jsonl', requestLines(5));
    const io = captureIO({ ANTHROPIC_API_KEY: key });
    const args = ['batch', dir.file('in.jsonl'), '-o', dir.file('out.jsonl'), '--base-url', server.url];
    expect(await runCli([...args, '--redis', REDIS_URL], io)).toBe(0);
    expect((await readResults(dir.file('out.jsonl'))).length).toBe(5);
    expect(await keysInRedis()).toHaveLength(1);

    const port = await freePort();
    const away = captureIO({ ANTHROPIC_API_KEY: key });
    const again = ['batch', dir.file('in.jsonl'), '-o', dir.file('other.jsonl'), '--base-url', server.url];
    expect(await runCli([...again, '--redis', `redis://127.0.0.1:${port}`], away)).toBe(2);
    expect(away.err()).toContain(`Cannot reach Redis at redis://127.0.0.1:${port}: connection refused.`);
    await expect(readResults(dir.file('other.jsonl'))).rejects.toThrow();
  });
});
