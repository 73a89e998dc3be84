/**
 * `npm run bench:distributed`: 4 worker PROCESSES x 16 requests in flight each, one API key, against
 * the simulated API (its own process) limited to 40 requests/s (2400 rpm, a bucket of 40 over 1 s).
 * Side by side: claude-retry sharing its pacing through Redis, the same processes with only their
 * own in-memory limiters, and the bare SDK at maxRetries 10. Needs Redis (default
 * redis://127.0.0.1:6379; `-- --redis URL` for another). Bounded: each run has a time limit.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { WorkerArgs, WorkerKind } from './distributed-worker.js';
import { forkMock } from './mock-control.js';
import { formatTable, type Row } from './table.js';
import type { WorkloadResult } from './workload.js';

const args = process.argv.slice(2);
const REDIS_URL = args.includes('--redis')
  ? (args[args.indexOf('--redis') + 1] as string)
  : 'redis://127.0.0.1:6379';
const PROCESSES = 4;
const IN_FLIGHT = 16;
const PER_PROCESS = 100;
const RPM = 2400;
const PER_SECOND = RPM / 60;
const TIME_LIMIT_MS = 60_000;
const TOTAL = PROCESSES * PER_PROCESS;
/** The fastest any client could finish: the first bucketful at once, then the refill rate. */
const IDEAL_MS = ((TOTAL - PER_SECOND) / PER_SECOND) * 1000;

const CONTENDERS: readonly { kind: WorkerKind; name: string }[] = [
  { kind: 'redis', name: 'claude-retry, shared Redis store' },
  { kind: 'memory', name: 'claude-retry, in-memory limiters' },
  { kind: 'sdk', name: 'SDK, maxRetries 10' },
];

const log = (line: string) => process.stderr.write(`${line}\n`);
const mock = forkMock();

function startWorker(workerArgs: WorkerArgs): {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<WorkloadResult>;
} {
  const child = fork(
    fileURLToPath(new URL('./distributed-worker.ts', import.meta.url)),
    [JSON.stringify(workerArgs)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  let markReady: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const result = new Promise<WorkloadResult>((resolve, reject) => {
    child.on('message', (message: { type: string; result?: WorkloadResult; error?: string }) => {
      if (message.type === 'ready') markReady();
      if (message.type === 'result') resolve(message.result as WorkloadResult);
      if (message.type === 'error') {
        const error = new Error(`worker ${workerArgs.index}: ${message.error}`);
        fail(error);
        reject(error);
      }
    });
    child.on('exit', (code) => {
      const error = new Error(`worker ${workerArgs.index} exited with code ${code}`);
      fail(error);
      reject(error);
    });
  });
  return { child, ready, result };
}

async function runContender(kind: WorkerKind, name: string): Promise<Row> {
  const { url } = await mock.start({ limits: { rpm: RPM }, seed: 42 });
  // A fresh key per run: its Redis namespace starts empty, nothing learned carries over.
  const apiKey = `sk-bench-${randomBytes(6).toString('hex')}`;
  const workers = Array.from({ length: PROCESSES }, (_, index) =>
    startWorker({
      kind,
      baseURL: url,
      apiKey,
      redisUrl: REDIS_URL,
      index,
      requests: PER_PROCESS,
      workers: IN_FLIGHT,
      timeLimitMs: TIME_LIMIT_MS,
    }),
  );
  await Promise.all(workers.map((w) => w.ready));
  for (const worker of workers) worker.child.send('go');
  const results = await Promise.all(workers.map((w) => w.result));
  const stats = await mock.stats();
  await mock.stop();
  const started = Math.min(...results.map((r) => r.startedAt));
  const ended = Math.max(...results.map((r) => r.startedAt + r.elapsedMs));
  const succeeded = results.reduce((sum, r) => sum + r.succeeded, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  const row: Row = {
    contender: name,
    succeeded,
    failed,
    elapsedMs: ended - started,
    // Finishing early by dropping requests is not efficiency.
    efficiency: failed === 0 ? IDEAL_MS / (ended - started) : undefined,
    rateLimitedPerSuccess: stats.rateLimited / Math.max(1, succeeded),
    duringOverload: undefined,
    afterRecovery: undefined,
    timedOut: results.some((r) => r.timedOut),
    failures: [...new Set(results.flatMap((r) => r.failures))].slice(0, 3),
  };
  log(
    `  ${name}: ${row.succeeded} ok, ${row.failed} failed, ${(row.elapsedMs / 1000).toFixed(2)} s, ${stats.rateLimited} 429s`,
  );
  return row;
}

async function main(): Promise<void> {
  const title = `${PROCESSES} processes x ${IN_FLIGHT} in flight, ${PER_PROCESS} requests each (${TOTAL}), one key, limit ${RPM} rpm (${PER_SECOND}/s, a bucket of ${PER_SECOND} over 1 s)`;
  log(title);
  const rows: Row[] = [];
  for (const { kind, name } of CONTENDERS) rows.push(await runContender(kind, name));
  const out = [
    'claude-retry distributed benchmark: separate worker processes against one simulated API (its own process).',
    'efficiency = ideal time / elapsed (first send of any process to last answer), shown when no request failed;',
    '429/ok = 429 answers per success.',
    '',
    title,
    `ideal ${(IDEAL_MS / 1000).toFixed(2)} s = (N - burst capacity) / rate = (${TOTAL} - ${PER_SECOND}) / ${PER_SECOND} per s`,
    ...formatTable(rows, 'burst'),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => mock.close());
