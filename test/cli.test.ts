import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/program.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { captureIO } from './support/io.js';

const KEY = 'sk-test-cli-secret-key-1234';

let server: MockServer;
beforeAll(async () => {
  server = await startMockServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.resetStats());

async function cli(args: string[], env: NodeJS.ProcessEnv = { ANTHROPIC_API_KEY: KEY }) {
  const io = captureIO(env);
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('claude-retry [prompt]', () => {
  it('sends the prompt and prints the reply on stdout, "Success!" on stderr', async () => {
    const run = await cli(['echo: Say hi', '--base-url', server.url]);
    expect(run).toEqual({ code: 0, out: 'Say hi\n', err: 'Success!\n' });
  });

  it('prints one retry line per retry: 429 twice, then 200', async () => {
    server.script({ status: 429 }, { status: 429 });
    const run = await cli(['echo: hi', '--base-url', server.url, '--base-delay', '0.01']);
    expect(run.code).toBe(0);
    const lines = run.err.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Rate limited\. Retrying in 0\.0\d seconds\.\.\.$/);
    expect(lines[1]).toMatch(/^Rate limited\. Retrying in 0\.0\d seconds\.\.\.$/);
    expect(lines[2]).toBe('Success!');
    expect(server.stats.requests).toBe(3);
  });

  it('names overloads, server errors and network faults in its retry lines', async () => {
    server.script({ status: 529 }, { status: 500 }, { reset: true });
    const run = await cli(['echo: hi', '--base-url', server.url, '--base-delay', '0.01', '--jitter', 'none']);
    expect(run.err).toBe(
      [
        'API overloaded. Retrying in 0.01 seconds...',
        'Server error (HTTP 500). Retrying in 0.02 seconds...',
        'Network error (connection failed). Retrying in 0.04 seconds...',
        'Success!',
        '',
      ].join('\n'),
    );
  });

  it('prints the whole message with --json', async () => {
    const run = await cli([
      'echo: structured',
      '--base-url',
      server.url,
      '--json',
      '--model',
      'claude-test-1',
    ]);
    const message = JSON.parse(run.out);
    expect(message).toMatchObject({
      type: 'message',
      model: 'claude-test-1',
      content: [{ type: 'text', text: 'structured' }],
    });
  });

  it('uses ANTHROPIC_MODEL and ANTHROPIC_BASE_URL from the environment', async () => {
    const run = await cli(['echo: env', '--json'], {
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_MODEL: 'claude-from-env',
    });
    expect(JSON.parse(run.out).model).toBe('claude-from-env');
  });

  it('without a key explains how to set one and how to run the demo (exit 3)', async () => {
    const run = await cli(['hi', '--base-url', server.url], {});
    expect(run.code).toBe(3);
    expect(run.err).toContain('No API key found.');
    expect(run.err).toContain('export ANTHROPIC_API_KEY=');
    expect(run.err).toContain('npx claude-retry demo');
    expect(server.stats.requests).toBe(0);
  });

  it('reports a refused key as an authentication error (exit 3), without retrying', async () => {
    server.script({ status: 401, errorType: 'authentication_error', message: 'invalid x-api-key' });
    const run = await cli(['hi', '--base-url', server.url]);
    expect(run.code).toBe(3);
    expect(run.err).toContain('Authentication failed (HTTP 401): the API key was refused.');
    expect(server.stats.requests).toBe(1);
  });

  it('reports a rate limit that persists (exit 4) with what to do', async () => {
    server.script({ status: 429 }, { status: 429 });
    const run = await cli(['hi', '--base-url', server.url, '--max-attempts', '2', '--base-delay', '0.01']);
    expect(run.code).toBe(4);
    expect(run.err).toContain('Error: Still rate limited after 2 attempts.');
    expect(run.err).toContain('Send fewer requests at once, raise --max-attempts');
  });

  it('reports other API errors (exit 5)', async () => {
    server.script({ status: 404, errorType: 'not_found_error', message: 'model: claude-nope' });
    const run = await cli(['hi', '--base-url', server.url, '--model', 'claude-nope']);
    expect(run.code).toBe(5);
    expect(run.err).toMatch(
      /^Error: The API refused the request \(HTTP 404\)\. not_found_error: model: claude-nope \(request req_\w+\)\n$/,
    );
  });

  it('explains a max_tokens too large for a non-streamed call (exit 2)', async () => {
    const run = await cli(['hi', '--base-url', server.url, '--max-tokens', '99999999']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('Lower --max-tokens or add --stream.');
    expect(server.stats.requests).toBe(0);
  });

  it('reports an unreachable server as a network error (exit 6)', async () => {
    const closed = await startMockServer();
    const url = closed.url;
    await closed.close();
    const run = await cli(['hi', '--base-url', url, '--max-attempts', '2', '--base-delay', '0.01']);
    expect(run.code).toBe(6);
    expect(run.err).toContain('Could not get an answer from the API after 2 attempts (connection failed).');
  });

  it('never shows the API key, even with --debug and on errors', async () => {
    server.script({ status: 429 }, { status: 401 });
    const viaFlag = await cli(
      ['hi', '--base-url', server.url, '--debug', '--api-key', KEY, '--base-delay', '0.01'],
      {},
    );
    const viaEnv = await cli(['hi', '--base-url', server.url, '--debug', '--json']);
    for (const run of [viaFlag, viaEnv]) {
      expect(run.out + run.err).not.toContain(KEY);
      expect(run.err).toContain('[debug]');
    }
  });
});

describe('argument parsing', () => {
  it.each([
    [['--max-attempts', '0'], '--max-attempts expects a whole number of 1 or more, got "0".'],
    [['--max-attempts', 'many'], '--max-attempts expects a whole number of 1 or more, got "many".'],
    [['--base-delay', '-1'], '--base-delay expects a number of seconds of 0 or more, got "-1".'],
    [
      ['--jitter', 'wobbly'],
      '--jitter expects one of none, additive, full, equal, decorrelated; got "wobbly".',
    ],
    [['--no-such-flag'], "unknown option '--no-such-flag'"],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const run = await cli(['hi', ...args]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
  });

  it('rejects a base URL that is not a URL', async () => {
    const run = await cli(['hi', '--base-url', 'not a url']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--base-url expects a URL such as http://127.0.0.1:8080, got "not a url".');
  });

  it('prints the version and help with exit 0', async () => {
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, out: `${(await import('../package.json')).default.version}\n` });
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: claude-retry [options] [command] [prompt]');
  });
});
