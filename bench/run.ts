/**
 * `npm run bench`: every scenario, every contender, side by side in one run, against the simulated
 * API (a child process on 127.0.0.1). Prints one table per scenario. Bounded: each run has a time
 * limit and the whole benchmark takes about two to three minutes.
 */
import { CONTENDERS, type Contender } from './contenders.js';
import { forkMock } from './mock-control.js';
import { DEFAULT_ROUNDS, runOverhead } from './overhead.js';
import { type Scenario, scenarios } from './scenarios.js';
import { formatTable, type Row } from './table.js';
import { runWorkload } from './workload.js';

const TIME_LIMIT_MS = 45_000;
/**
 * `npm run bench -- a c` runs only those scenarios; `-- --client claude` only matching clients (and,
 * in scenario d, the bare SDK they are compared with).
 */
const args = process.argv.slice(2);
const clientFilter = args.includes('--client') ? args[args.indexOf('--client') + 1] : undefined;
const onlyScenarios = args.filter(
  (a, i) => !a.startsWith('--') && args[i - 1] !== '--client' && args[i - 1] !== '--rounds',
);
const contenders = CONTENDERS.filter((c) => !clientFilter || c.name.includes(clientFilter));
/** `-- d --rounds 150`: more rounds for scenario (d), for a narrower interval. */
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : DEFAULT_ROUNDS;
if (!Number.isInteger(rounds) || rounds < 2) {
  process.stderr.write('--rounds needs a whole number of at least 2, for example --rounds 150\n');
  process.exit(2);
}
/** Scenario (d) is measured against the bare SDK, whatever --client picks. */
const bare = CONTENDERS[0] as Contender;
const overheadContenders = contenders.includes(bare) ? contenders : [bare, ...contenders];

const OVERHEAD_LEGEND = [
  'Each client ran beside the bare SDK in a process of their own; ok and failed count every measured',
  'round. "vs bare SDK": its total over the rounds / the bare SDK\'s total over the same rounds in the',
  'same process, ± the half-width of its 95% interval. "SDK, maxRetries 10" does exactly what the',
  'default SDK does here, so its row is the noise floor between two identical clients. Each',
  "client's own code per call, without the network: npm run bench:code.",
];

const mock = forkMock();
const log = (line: string) => process.stderr.write(`${line}\n`);

async function runScenario(scenario: Scenario): Promise<Row[]> {
  const rows: Row[] = [];
  for (const contender of contenders) {
    const { url, startedAt } = await mock.start(scenario.server);
    const result = await runWorkload(contender.make(url), scenario.bodies, scenario.workers, TIME_LIMIT_MS);
    const stats = await mock.stats();
    await mock.stop();
    const row: Row = {
      contender: contender.name,
      succeeded: result.succeeded,
      failed: result.failed,
      elapsedMs: result.elapsedMs,
      efficiency: scenario.ideal ? scenario.ideal.ms / result.elapsedMs : undefined,
      rateLimitedPerSuccess: stats.rateLimited / Math.max(1, result.succeeded),
      duringOverload: scenario.overload ? stats.requestsDuringOverload : undefined,
      afterRecovery: undefined,
      timedOut: result.timedOut,
      failures: result.failures,
    };
    if (scenario.overload) {
      const { endMs, perSecond, capacity } = scenario.overload;
      const recovery = startedAt + endMs;
      const doneBefore = result.successTimes.filter((t) => t <= recovery).length;
      const idealAfter = (Math.max(0, scenario.bodies.length - doneBefore - capacity) / perSecond) * 1000;
      const end = result.startedAt + result.elapsedMs;
      row.afterRecovery = { actualMs: end - recovery, idealMs: idealAfter };
    }
    log(
      `  ${scenario.key}: ${contender.name}: ${result.succeeded} ok, ${result.failed} failed, ${(result.elapsedMs / 1000).toFixed(2)} s`,
    );
    rows.push(row);
  }
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  const out: string[] = [
    'claude-retry benchmark: every client against the same simulated API (127.0.0.1, a child process),',
    'limits enforced like the real API: continuous token buckets over 1 s windows (a bucket holds limit/60).',
    'efficiency = ideal time / elapsed; 429/ok = 429 answers per success; in 529 window = requests the',
    'server received while overloaded; after/ideal = time from recovery to the end / ideal time for what was left.',
    '"original script" = the guide\'s algorithm: only RateLimitError retried, 1 s doubling to 60 s + U(0, 10%), 5 attempts.',
    '',
  ];
  for (const scenario of scenarios().filter(
    (s) => onlyScenarios.length === 0 || onlyScenarios.includes(s.key),
  )) {
    log(scenario.title);
    const rows =
      scenario.key === 'd'
        ? await runOverhead(scenario, overheadContenders, mock, TIME_LIMIT_MS, log, rounds)
        : await runScenario(scenario);
    out.push(scenario.title);
    if (scenario.ideal) out.push(`ideal ${(scenario.ideal.ms / 1000).toFixed(2)} s = ${scenario.ideal.how}`);
    out.push(...formatTable(rows, scenario.key === 'd' ? 'overhead' : 'burst'));
    if (scenario.key === 'd') out.push(...OVERHEAD_LEGEND);
    out.push('');
  }
  out.push(`benchmark took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => mock.close());
