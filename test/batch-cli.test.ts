import { readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  linesPerId,
  readResults,
  requestLines,
  type TempDir,
  tempDir,
} from '../src/batch/test-support/fixtures.js';
import { pacingOptionsFrom } from '../src/cli/api-flags.js';
import { flagsTyped, resumeCommandFrom, shellQuote } from '../src/cli/commands/batch.js';
import { buildProgram, runCli } from '../src/cli/program.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { captureIO } from './support/io.js';
import { finished, spawnCli } from './support/spawn-cli.js';

const KEY = 'sk-test-batch-cli-key-42';

let dir: TempDir;
let server: MockServer;
beforeEach(async () => {
  dir = await tempDir();
  server = await startMockServer();
});
afterEach(async () => {
  await server.close();
  await dir.remove();
});

describe('claude-retry batch (in process)', () => {
  it('exits 0 and says what it did when every line succeeded; a .txt file is read as prompts', async () => {
    await dir.write('prompts.txt', 'echo: first\n\necho: third\n');
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    const code = await runCli(
      ['batch', dir.file('prompts.txt'), '-o', dir.file('out.jsonl'), '--base-url', server.url],
      io,
    );
    expect(code).toBe(0);
    expect(io.err()).toMatch(
      /^Finished in \d+\.\d s: 2 succeeded, 0 errored\.\nTokens: \d+ in, \d+ out\. Retries: 0; 429 answers: 0\.\n$/,
    );
    const results = await readResults(dir.file('out.jsonl'));
    expect(results.map((r) => [r.custom_id, r.result.message.content[0].text]).sort()).toEqual([
      ['line-000001', 'first'],
      ['line-000003', 'third'],
    ]);
  });

  it('exits 7 when some lines errored, and prints the command that sends them again', async () => {
    await dir.write('in.jsonl', `${requestLines(2)}{"custom_id":"x","params":{"messages":[]}}\n`);
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    const args = ['batch', dir.file('in.jsonl'), '-o', dir.file('out.jsonl'), '--base-url', server.url];
    expect(await runCli(args, io)).toBe(7);
    expect(io.err()).toContain('line 3: params.messages is empty: give at least one message\n');
    expect(io.err()).toContain(
      `1 line ended as errored results. To send them again:\n  claude-retry batch ${dir.file('in.jsonl')} -o ${dir.file('out.jsonl')} --base-url ${server.url} --retry-errored\n`,
    );
  });

  it('exits 2 with a clear message, writing nothing, for a missing input or --strict with bad lines', async () => {
    const missing = captureIO({ ANTHROPIC_API_KEY: KEY });
    expect(await runCli(['batch', dir.file('nope.jsonl'), '-o', dir.file('out.jsonl')], missing)).toBe(2);
    expect(missing.err()).toBe(
      `Error: Input file not found: ${dir.file('nope.jsonl')}. Check the path (relative paths start from ${process.cwd()}), or use - to read stdin.\n`,
    );
    await dir.write('in.jsonl', '{"custom_id":"a"}\n');
    const strict = captureIO({ ANTHROPIC_API_KEY: KEY });
    const args = [
      'batch',
      dir.file('in.jsonl'),
      '-o',
      dir.file('out.jsonl'),
      '--strict',
      '--base-url',
      server.url,
    ];
    expect(await runCli(args, strict)).toBe(2);
    expect(strict.err()).toContain('--strict: 1 of 1 lines');
    expect(strict.err()).toContain('line 1: "params" (a Messages request) is missing; or give a "prompt"');
    await expect(stat(dir.file('out.jsonl'))).rejects.toThrow('ENOENT');
    expect(server.stats.requests).toBe(0);
  });

  it('requires -o', async () => {
    const io = captureIO({ ANTHROPIC_API_KEY: KEY });
    expect(await runCli(['batch', 'in.jsonl'], io)).toBe(2);
    expect(io.err()).toContain("error: required option '-o, --output <file>' not specified");
  });
});

describe('batch flags', () => {
  async function flagsFor(argv: string[]) {
    const context = { io: captureIO() };
    const program = buildProgram(context);
    await program.parseAsync(argv, { from: 'user' });
    const batch = program.commands.find((command) => command.name() === 'batch');
    return flagsTyped(batch as NonNullable<typeof batch>);
  }

  it('takes API flags typed after `batch`, and those typed before it unless repeated after', async () => {
    const after = await flagsFor([
      'batch',
      'in.jsonl',
      '-o',
      'o.jsonl',
      '--no-pacing',
      '--rpm',
      '50',
      '-c',
      '3',
    ]);
    expect(after).toMatchObject({ output: 'o.jsonl', pacing: false, rpm: 50, concurrency: 3 });
    const before = await flagsFor([
      '--base-url',
      'http://a.test',
      '--rpm',
      '10',
      'batch',
      'in.jsonl',
      '-o',
      'o',
      '--rpm',
      '20',
    ]);
    expect(before).toMatchObject({ baseUrl: 'http://a.test', rpm: 20, pacing: true, concurrency: 8 });
    expect(pacingOptionsFrom(after)).toBe(false);
    expect(pacingOptionsFrom(before)).toEqual({ rpm: 20, maxConcurrency: 8 });
  });
});

describe('resumeCommandFrom', () => {
  it.each([
    [['batch', 'in.jsonl', '-o', 'out.jsonl'], 'claude-retry batch in.jsonl -o out.jsonl'],
    [
      ['batch', 'in.jsonl', '-o', 'out.jsonl', '--retry-errored', '-c', '4'],
      'claude-retry batch in.jsonl -o out.jsonl -c 4',
    ],
    [
      ['batch', 'in.jsonl', '--api-key', 'sk-secret', '-o', 'o.jsonl'],
      'claude-retry batch in.jsonl -o o.jsonl',
    ],
    [['batch', 'in.jsonl', '--api-key=sk-secret', '-o', 'o.jsonl'], 'claude-retry batch in.jsonl -o o.jsonl'],
    [
      ['batch', 'my file.jsonl', '-o', "it's.jsonl"],
      `claude-retry batch 'my file.jsonl' -o 'it'\\''s.jsonl'`,
    ],
  ])('%j -> %s', (argv, command) => {
    expect(resumeCommandFrom(argv)).toBe(command);
  });

  it('quotes only what a shell would misread', () => {
    expect(shellQuote('results/out-1.jsonl')).toBe('results/out-1.jsonl');
    expect(shellQuote('a;b')).toBe(`'a;b'`);
  });
});

describe('claude-retry batch (spawned)', () => {
  it('on Ctrl-C finishes the requests in flight, exits 130 with the resume command; running it again completes', async () => {
    server.setFaults({ latencyMs: 400 });
    const input = await dir.write('in.jsonl', requestLines(30));
    const output = dir.file('out.jsonl');
    const args = ['batch', input, '-o', output, '--base-url', server.url, '-c', '3', '--api-key', KEY];
    const child = spawnCli(args);
    const done = finished(child);
    await vi.waitFor(() => expect(server.stats.requests).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(
      'Stopping: no new lines are started; waiting for the requests in flight to finish',
    );
    expect(run.stderr).toContain(
      `To resume, run the same command again:\n  claude-retry batch ${input} -o ${output} --base-url ${server.url} -c 3\n`,
    );
    expect(run.stderr + run.stdout).not.toContain(KEY);
    const partial = await readResults(output); // throws on a torn line
    expect(partial.length).toBe(server.stats.succeeded);
    expect(partial.length).toBeGreaterThanOrEqual(3);
    expect(partial.length).toBeLessThan(30);

    server.setFaults({});
    const again = await finished(spawnCli(args));
    expect(again.code).toBe(0);
    const results = await readResults(output);
    expect(results).toHaveLength(30);
    expect([...linesPerId(results).values()].every((n) => n === 1)).toBe(true);
    expect(await readFile(output, 'utf8')).not.toContain(KEY);
  });

  it('on a second Ctrl-C aborts the requests in flight and records none of them', async () => {
    server.setFaults({ latencyMs: 60_000 });
    const input = await dir.write('in.jsonl', requestLines(10));
    const output = dir.file('out.jsonl');
    const child = spawnCli(['batch', input, '-o', output, '--base-url', server.url, '-c', '2'], {
      ANTHROPIC_API_KEY: KEY,
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const done = finished(child);
    // Pacing may hold some lines back until the first answers arrive: count what reached the server.
    await vi.waitFor(() => expect(server.stats.requests).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
    child.kill('SIGINT');
    // Two signals sent back to back may arrive as one: wait until the first was handled.
    await vi.waitFor(() => expect(stderr).toContain('Stopping:'), { timeout: 10_000 });
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(
      'Aborting the requests in flight; they are not recorded and will be sent again on resume',
    );
    const abandoned = /(\d+) requests? in flight (?:was|were) abandoned and will be sent again\./.exec(
      run.stderr,
    );
    expect(Number(abandoned?.[1])).toBeGreaterThanOrEqual(server.stats.requests);
    expect(await readFile(output, 'utf8')).toBe('');
  });

  it('reads JSONL from stdin with -', async () => {
    const output = dir.file('out.jsonl');
    const child = spawnCli(['batch', '-', '-o', output, '--base-url', server.url], {
      ANTHROPIC_API_KEY: KEY,
    });
    child.stdin?.end(requestLines(4));
    const run = await finished(child);
    expect(run.code).toBe(0);
    expect((await readResults(output)).map((r) => r.custom_id).sort()).toEqual([
      'r001',
      'r002',
      'r003',
      'r004',
    ]);
  });
});
