import { describe, expect, it } from 'vitest';
import { finished, firstLine, spawnCli } from './support/spawn-cli.js';

const KEY = 'sk-test-e2e-secret-key-5678';

describe('the claude-retry executable', () => {
  it('talks to a running `claude-retry mock-server`: 429 twice, then success; then a streamed answer', async () => {
    const mock = spawnCli(['mock-server', '--port', '0', '--script', '429,429']);
    const mockDone = finished(mock);
    try {
      const url = await firstLine(mock);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const run = await finished(
        spawnCli(['echo: Say hi', '--base-url', url, '--base-delay', '0.01'], { ANTHROPIC_API_KEY: KEY }),
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('Say hi\n');
      expect(run.stderr).toMatch(
        /^Rate limited\. Retrying in 0\.0\d seconds\.\.\.\nRate limited\. Retrying in 0\.0\d seconds\.\.\.\nSuccess!\n$/,
      );
      const plain = await finished(spawnCli(['Say hi', '--base-url', url], { ANTHROPIC_API_KEY: KEY }));
      expect(plain.code).toBe(0);
      expect(plain.stdout.length).toBeGreaterThan(5);
      expect(plain.stdout + plain.stderr).not.toContain(KEY);
      const streamed = await finished(
        spawnCli(['echo: Say hi as it comes', '--stream', '--base-url', url], { ANTHROPIC_API_KEY: KEY }),
      );
      expect(streamed).toEqual({ code: 0, stdout: 'Say hi as it comes\n', stderr: 'Success!\n' });
    } finally {
      mock.kill('SIGINT');
    }
    const stopped = await mockDone;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('Stopped. Served 5 requests: 3 succeeded, 2 rate limited (429)');
  });

  it('exits 3 with advice when no key is set', async () => {
    const run = await finished(spawnCli(['hi']));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('No API key found.');
    expect(run.stdout).toBe('');
  });

  it('rejects a bad --fault spec for the mock server with exit 2', async () => {
    const run = await finished(spawnCli(['mock-server', '--port', '0', '--fault', 'error-rate=2']));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fault error-rate=2:');
  });
});
