import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { captureIO } from './support/io.js';

const KEY = 'sk-test-cli-stream-key-5678';
const ANSWER = 'one two three four five six seven eight nine ten eleven twelve';
const PROMPT = `echo: ${ANSWER}`;
// message_start, content_block_start, then "one two three" and " four five six".
const AFTER_TWO_DELTAS = { kind: 'error', afterEvents: 4 } as const;
const HANDED_OVER = 'one two three four five six';

let server: MockServer;
beforeAll(async () => {
  server = await startMockServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.resetStats();
  server.setFaults({});
});

/** Runs the CLI in-process; `tty` makes stdout and stderr look like a terminal. */
async function cli(args: string[], tty = false) {
  const io = captureIO({ ANTHROPIC_API_KEY: KEY });
  const view: CliIO = tty
    ? {
        ...io,
        stdout: { isTTY: true, write: io.stdout.write },
        stderr: { isTTY: true, write: io.stderr.write },
      }
    : io;
  const code = await runCli(
    [...args, '--base-url', server.url, '--base-delay', '0.001', '--jitter', 'none'],
    view,
  );
  return { code, out: io.out(), err: io.err() };
}

describe('claude-retry --stream', () => {
  it('prints the reply as it arrives, the same text as without --stream', async () => {
    const plain = await cli([PROMPT]);
    const streamed = await cli([PROMPT, '--stream']);
    expect(streamed).toEqual({ code: 0, out: `${ANSWER}\n`, err: 'Success!\n' });
    expect(streamed.out).toBe(plain.out);
  });

  it('retries an error before the first byte with the usual line', async () => {
    server.script({ status: 529 });
    const run = await cli([PROMPT, '--stream']);
    expect(run).toEqual({
      code: 0,
      out: `${ANSWER}\n`,
      err: 'API overloaded. Retrying in 0.00 seconds...\nSuccess!\n',
    });
  });

  it('retries a stream cut before any text without a trace on stdout', async () => {
    server.script({ stream: { kind: 'reset', afterEvents: 2 } });
    const run = await cli([PROMPT, '--stream', '--on-interrupt', 'fail']);
    expect(run).toEqual({
      code: 0,
      out: `${ANSWER}\n`,
      err: 'Stream interrupted (connection lost) before any text arrived. Retrying in 0.00 seconds...\nSuccess!\n',
    });
  });

  describe('restart', () => {
    it('to a file or pipe: only the final text, once', async () => {
      server.script({ stream: AFTER_TWO_DELTAS });
      const run = await cli([PROMPT, '--stream']);
      expect(run.code).toBe(0);
      expect(run.out).toBe(`${ANSWER}\n`);
      expect(run.err).toBe(
        `Stream interrupted (overloaded_error) after ${HANDED_OVER.length} characters; restarting in 0.00 seconds (only the final answer is printed)...\nSuccess!\n`,
      );
    });

    it('on a terminal: a new line, and stderr says the answer below replaces the text above', async () => {
      server.script({ stream: AFTER_TWO_DELTAS });
      const run = await cli([PROMPT, '--stream'], true);
      expect(run.code).toBe(0);
      expect(run.out).toBe(`${HANDED_OVER}\n${ANSWER}\n`);
      expect(run.err).toBe(
        `Stream interrupted (overloaded_error) after ${HANDED_OVER.length} characters; restarting in 0.00 seconds. The answer below replaces the text above.\nSuccess!\n`,
      );
    });
  });

  describe('continue', () => {
    it('to a file: the text flows on, stitched, and stderr says what happened', async () => {
      server.script({ stream: { kind: 'reset', afterEvents: 4 } });
      const run = await cli([PROMPT, '--stream', '--on-interrupt', 'continue']);
      expect(run).toEqual({
        code: 0,
        out: `${ANSWER}\n`,
        err: `Stream interrupted (connection lost) after ${HANDED_OVER.length} characters; continuing from there in 0.00 seconds...\nSuccess!\n`,
      });
    });

    it('on a terminal: the notice waits until the answer is complete', async () => {
      server.script({ stream: AFTER_TWO_DELTAS });
      const run = await cli([PROMPT, '--stream', '--on-interrupt', 'continue'], true);
      expect(run.out).toBe(`${ANSWER}\n`);
      expect(run.err).toBe(
        `Stream interrupted (overloaded_error) after ${HANDED_OVER.length} characters; the rest was asked for and joined on.\nSuccess!\n`,
      );
    });
  });

  describe('failure keeps the partial text', () => {
    it('fail: the partial text on stdout, the reason on stderr, exit code 4 for an overload', async () => {
      server.script({ stream: AFTER_TWO_DELTAS });
      const run = await cli([PROMPT, '--stream', '--on-interrupt', 'fail']);
      expect(run.code).toBe(4);
      expect(run.out).toBe(`${HANDED_OVER}\n`);
      expect(run.err).toMatch(
        /^Error: Stream interrupted \(overloaded_error\) after 27 characters: .*Not retried: onInterrupt is "fail"\.\n/,
      );
      expect(run.err).toMatch(/\nThe answer is incomplete: the 27 characters received are on stdout\.\n$/);
    });

    it('restart to a file, every attempt cut: the last partial text is printed, exit code 6', async () => {
      server.script(...Array(2).fill({ stream: { kind: 'reset', afterEvents: 4 } }));
      const run = await cli([PROMPT, '--stream', '--max-attempts', '2']);
      expect(run.code).toBe(6);
      expect(run.out).toBe(`${HANDED_OVER}\n`);
      expect(run.err).toMatch(
        /\nError: The stream could not be completed: Gave up after 2 attempts; the last failure was connection/,
      );
    });
  });

  it('--json prints the final, stitched message', async () => {
    server.script({ stream: AFTER_TWO_DELTAS });
    const run = await cli([PROMPT, '--stream', '--on-interrupt', 'continue', '--json']);
    expect(run.code).toBe(0);
    const message = JSON.parse(run.out);
    expect(message.content).toEqual([{ type: 'text', text: ANSWER }]);
    expect(message.stop_reason).toBe('end_turn');
  });

  it.each([
    [['--on-interrupt', 'continue'], /--on-interrupt applies only to streamed replies: add --stream\./],
    [['--idle-timeout', '5'], /--idle-timeout applies only to streamed replies: add --stream\./],
    [
      ['--stream', '--on-interrupt', 'retry'],
      /argument 'retry' is invalid\. Allowed choices are restart, continue, fail\./,
    ],
    [['--stream', '--idle-timeout', '0'], /--idle-timeout expects a number of seconds greater than 0/],
  ])('refuses %j with exit code 2', async (flags, message) => {
    const run = await cli([PROMPT, ...flags]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(server.stats.requests).toBe(0);
  });
});
