/**
 * Benchmark of `claude-retry batch`: 100,000 lines against an unlimited simulated API, with wall
 * time and peak memory from `/usr/bin/time -v`, side by side with bare SDK calls at the same
 * concurrency (no file reading, no results file: the ceiling the runner is measured against).
 *
 *   npm run build && node --import tsx bench/batch.ts [--lines 100000] [--concurrency 8]
 *
 * The simulated API runs in its own process (the built CLI's `mock-server`), as does each client,
 * so neither shares an event loop with the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const TIME = '/usr/bin/time';
const KEY = 'sk-bench-not-a-real-key';
const MODEL = 'claude-sonnet-4-20250514';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} expects a whole number >= 1`);
  return value;
}

const LINES = flag('--lines', 100_000);
const CONCURRENCY = flag('--concurrency', 8); // the batch command's default

async function writeInput(path: string): Promise<void> {
  const lines: string[] = [];
  for (let i = 1; i <= LINES; i++) {
    const id = `req-${String(i).padStart(6, '0')}`;
    lines.push(
      JSON.stringify({
        custom_id: id,
        params: {
          model: MODEL,
          max_tokens: 64,
          messages: [{ role: 'user', content: `Summarise item ${i} in one line.` }],
        },
      }),
    );
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}

/** The bare-SDK client: plain CommonJS, so it starts as lean as the built CLI. */
function bareScript(sdkPath: string): string {
  return `
const sdk = require(${JSON.stringify(sdkPath)});
const Anthropic = sdk.Anthropic ?? sdk.default;
const [url, concurrency, total] = process.argv.slice(2);
const client = new Anthropic({ apiKey: ${JSON.stringify(KEY)}, baseURL: url, maxRetries: 0 });
let next = 0, ok = 0;
async function worker() {
  while (next < Number(total)) {
    const i = ++next;
    await client.messages.create({ model: ${JSON.stringify(MODEL)}, max_tokens: 64,
      messages: [{ role: 'user', content: 'Summarise item ' + i + ' in one line.' }] });
    ok++;
  }
}
Promise.all(Array.from({ length: Number(concurrency) }, worker)).then(() => console.log(ok));
`;
}

interface Timed {
  code: number | null;
  seconds: number;
  /** User + system CPU time of the client process. */
  cpuSeconds: number;
  peakRssMb: number;
  stdout: string;
  stderrTail: string;
}

/** Runs a command under `/usr/bin/time -v`, returning wall time and peak RSS. */
function timed(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(TIME, ['-v', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (!rss) return reject(new Error(`no peak RSS in the output of ${TIME} -v:\n${stderr.slice(-2000)}`));
      const cpu = (name: string) =>
        Number(new RegExp(`${name} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? 0);
      const cpuSeconds = cpu('User') + cpu('System');
      resolve({
        code,
        seconds,
        cpuSeconds,
        peakRssMb: Number(rss[1]) / 1024,
        stdout,
        stderrTail: stderr.slice(-3000),
      });
    });
  });
}

async function startMock(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cli, 'mock-server', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`mock-server exited with ${code}`)));
  });
  return { url, child };
}

/** Lines in the results file, and whether every custom_id appears exactly once. */
async function checkResults(path: string): Promise<{ lines: number; unique: number; succeeded: number }> {
  const ids = new Set<string>();
  let lines = 0;
  let succeeded = 0;
  for await (const line of createInterface({ input: createReadStream(path) })) {
    const parsed = JSON.parse(line) as { custom_id: string; result: { type: string } };
    ids.add(parsed.custom_id);
    lines++;
    if (parsed.result.type === 'succeeded') succeeded++;
  }
  return { lines, unique: ids.size, succeeded };
}

function row(name: string, t: Timed, count: number, unit: string): string {
  const rate = count / t.seconds;
  const cpuPerItem = (t.cpuSeconds * 1e6) / count;
  return (
    `${name.padEnd(28)} ${t.seconds.toFixed(2).padStart(8)} s ${rate.toFixed(0).padStart(8)} ${unit.padEnd(7)}` +
    ` ${t.peakRssMb.toFixed(1).padStart(8)} MB ${t.cpuSeconds.toFixed(1).padStart(7)} s ${cpuPerItem.toFixed(0).padStart(6)} us`
  );
}

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error('dist/cli/main.js is missing: run `npm run build` first.');
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: install it with \`apt-get install time\`.`);
  const dir = await mkdtemp(join(tmpdir(), 'claude-retry-bench-batch-'));
  const input = join(dir, 'input.jsonl');
  const output = join(dir, 'results.jsonl');
  const bare = join(dir, 'bare-sdk.cjs');
  // A fresh server for each run, so that no run inherits another's warm-up or state.
  let mock = await startMock();
  const freshMock = async (): Promise<string> => {
    mock.child.kill('SIGINT');
    mock = await startMock();
    return mock.url;
  };
  try {
    await writeInput(input);
    await writeFile(bare, bareScript(createRequire(import.meta.url).resolve('@anthropic-ai/sdk')));
    const inputMb = (await stat(input)).size / 1024 / 1024;
    console.log(
      `${LINES.toLocaleString('en-US')} lines (${inputMb.toFixed(1)} MB), concurrency ${CONCURRENCY}, ` +
        `unlimited simulated API (its own process, fresh for each run); node ${process.version}`,
    );

    const sdk = await timed([process.execPath, bare, mock.url, String(CONCURRENCY), String(LINES)]);
    if (sdk.code !== 0 || Number(sdk.stdout.trim()) !== LINES) {
      throw new Error(`bare SDK run failed:\n${sdk.stderrTail}`);
    }
    const batch = (url: string, nodeFlags: string[] = []) =>
      timed(
        [
          process.execPath,
          ...nodeFlags,
          cli,
          'batch',
          input,
          '-o',
          output,
          '--base-url',
          url,
          '-c',
          String(CONCURRENCY),
        ],
        { ANTHROPIC_API_KEY: KEY },
      );
    const ours = await batch(await freshMock());
    if (ours.code !== 0) throw new Error(`claude-retry batch exited with ${ours.code}:\n${ours.stderrTail}`);
    const check = await checkResults(output);
    const resultsMb = (await stat(output)).size / 1024 / 1024;
    const resume = await batch(mock.url);
    // Flat memory, shown directly: the whole run again with the JS heap capped at 64 MB. Anything
    // kept per line would make it crawl (constant garbage collection) or die out of memory.
    await rm(output);
    const capped = await batch(await freshMock(), ['--max-old-space-size=64']);
    if (capped.code !== 0) throw new Error(`the run with a 64 MB heap failed:\n${capped.stderrTail}`);

    console.log('');
    console.log(
      `${'run'.padEnd(28)} ${'wall'.padStart(10)} ${'rate'.padStart(16)} ${'peak RSS'.padStart(11)}` +
        ` ${'client CPU'.padStart(10)} ${'per line'.padStart(9)}`,
    );
    console.log(row('bare SDK (same concurrency)', sdk, LINES, 'req/s'));
    console.log(row('claude-retry batch', ours, LINES, 'req/s'));
    console.log(row('resume, all lines done', resume, LINES, 'lines/s'));
    console.log(row('batch, JS heap capped 64 MB', capped, LINES, 'req/s'));
    console.log('');
    console.log(
      `claude-retry batch / bare SDK: throughput ${(sdk.seconds / ours.seconds).toFixed(2)}, ` +
        `client CPU per request ${(ours.cpuSeconds / sdk.cpuSeconds).toFixed(2)}`,
    );
    console.log(
      `results file: ${check.lines.toLocaleString('en-US')} lines (${resultsMb.toFixed(1)} MB), ` +
        `${check.unique.toLocaleString('en-US')} distinct custom_ids, ${check.succeeded.toLocaleString('en-US')} succeeded`,
    );
    if (check.lines !== LINES || check.unique !== LINES) {
      throw new Error('the results file does not hold one line per id');
    }
  } finally {
    mock.child.kill('SIGINT');
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
