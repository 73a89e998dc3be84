/**
 * Scenario (d): what each client costs per request on an unlimited local server, in client CPU time
 * and in wall time.
 *
 * How it is measured, and why:
 * - Each client runs beside the bare SDK, the two in a child process of their own
 *   (overhead-worker.ts), against one simulated API in another process. They share the SDK's warmed
 *   code and the connection pool, so what differs is what the client adds; no third client's code
 *   is in the process (with five in one process, each looked about 2% dearer).
 * - After warming up, every round runs both once (1000 requests, 8 at a time), in an order that
 *   alternates from round to round.
 * - Figures are means over all rounds, not medians. A garbage collection of the old generation lands
 *   in some rounds and not others, so single rounds differ by up to 10%; a mean charges every client
 *   for the collections its allocations cause.
 * - "vs bare SDK" is the client's total over all rounds divided by the bare SDK's total over the same
 *   rounds in the same process, with a 95% interval (see `relative`). The SDK with maxRetries 10
 *   behaves exactly like the default SDK here (nothing fails), so its row shows how far apart two
 *   identical clients land: the noise floor.
 * - What each client's own code costs per call, without the network, is `npm run bench:code`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Contender } from './contenders.js';
import type { RemoteMock } from './mock-control.js';
import type { MeasureRequest, RoundFigures } from './overhead-worker.js';
import type { Scenario } from './scenarios.js';
import type { Row } from './table.js';

const WARM_UP_ROUNDS = 4;
/** Measured rounds unless `--rounds N` says otherwise: the interval narrows as 1 / sqrt(rounds). */
export const DEFAULT_ROUNDS = 40;

interface Measured {
  rounds: RoundFigures[][];
}

function measureInChild(request: MeasureRequest, log: (line: string) => void): Promise<Measured> {
  const child = fork(fileURLToPath(new URL('./overhead-worker.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<Measured>((resolve, reject) => {
    child.on('message', (reply: { progress?: number; error?: string } & Partial<Measured>) => {
      if (reply.progress !== undefined) {
        if (reply.progress % 10 === 0) log(`  d: ${reply.progress} of ${request.rounds} rounds`);
        return;
      }
      if (reply.error !== undefined) reject(new Error(reply.error));
      else resolve({ rounds: reply.rounds ?? [] });
      child.kill();
    });
    child.on('exit', (code) => reject(new Error(`the overhead process ended early (exit ${code})`)));
    child.send(request);
  });
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

interface Relative {
  change: number;
  within: number;
}

/**
 * How much more a client used than the bare SDK over the same rounds: the ratio of the totals minus
 * one, and the half-width of its 95% interval (the usual ratio estimator: the spread of
 * `client - ratio * bare` from round to round). Not the mean of the per-round ratios: with rounds
 * that differ by 7-10%, that mean comes out about 1% high for two identical clients (a mean of
 * ratios overstates by about the square of the noise).
 */
function relative(client: readonly number[], bare: readonly number[]): Relative {
  const ratio = sum(client) / sum(bare);
  const residuals = client.map((c, i) => c - ratio * (bare[i] as number));
  const variance =
    residuals.reduce((total, r) => total + r * r, 0) / Math.max(1, residuals.length - 1) / mean(bare) ** 2;
  return { change: ratio - 1, within: 1.96 * Math.sqrt(variance / client.length) };
}

/** The mean of the per-round ratios minus one: the estimator used before, logged for comparison. */
function meanOfRatios(client: readonly number[], bare: readonly number[]): number {
  return mean(client.map((c, i) => c / (bare[i] as number))) - 1;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export async function runOverhead(
  scenario: Scenario,
  contenders: readonly Contender[],
  mock: RemoteMock,
  timeLimitMs: number,
  log: (line: string) => void,
  rounds = DEFAULT_ROUNDS,
): Promise<Row[]> {
  const [bare, ...others] = contenders;
  if (!bare) return [];
  const { url } = await mock.start(scenario.server);
  // Each client beside the bare SDK, the pair in a process of its own: as for a user, no third
  // client's code shares the process.
  const pairs: { contender: Contender; rounds: RoundFigures[][] }[] = [];
  try {
    for (const contender of others) {
      log(`  d: ${contender.name} beside the bare SDK`);
      const measured = await measureInChild(
        {
          url,
          names: [bare.name, contender.name],
          bodies: [...scenario.bodies],
          workers: scenario.workers,
          warmUpRounds: WARM_UP_ROUNDS,
          rounds,
          timeLimitMs,
        },
        log,
      );
      pairs.push({ contender, rounds: measured.rounds });
    }
  } finally {
    await mock.stop();
  }
  const requests = scenario.bodies.length;
  const of = (round: RoundFigures[], name: string) => round.find((f) => f.name === name) as RoundFigures;
  const cpuPerRequest = (runs: RoundFigures[]) => mean(runs.map((f) => f.cpuUs / requests));
  const row = (
    name: string,
    runs: RoundFigures[],
    cpu: Relative,
    wall: Relative,
    bareRuns?: RoundFigures[],
  ): Row => {
    const cpuPerRequestUs = cpuPerRequest(runs);
    log(`  d: ${name}: ${cpuPerRequestUs.toFixed(0)} us CPU per request over ${runs.length} rounds`);
    return {
      contender: name,
      succeeded: runs.reduce((sum, f) => sum + f.succeeded, 0),
      failed: runs.reduce((sum, f) => sum + f.failed, 0),
      elapsedMs: mean(runs.map((f) => f.wallMs)),
      efficiency: undefined,
      rateLimitedPerSuccess: 0,
      duringOverload: undefined,
      afterRecovery: undefined,
      timedOut: false,
      failures: runs.at(-1)?.failures ?? [],
      overheadVsBare: wall.change,
      overheadWithin: wall.within,
      cpuPerRequestUs,
      bareCpuPerRequestUs: bareRuns && cpuPerRequest(bareRuns),
      cpuVsBare: cpu.change,
      cpuWithin: cpu.within,
    };
  };
  const pairFigures = (name: string, measured: RoundFigures[][]): [Relative, Relative] => {
    const cpu = [
      measured.map((r) => of(r, name).cpuUs),
      measured.map((r) => of(r, bare.name).cpuUs),
    ] as const;
    const wall = [
      measured.map((r) => of(r, name).wallMs),
      measured.map((r) => of(r, bare.name).wallMs),
    ] as const;
    const percent = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
    log(
      `  d: ${name}: mean of per-round ratios (the old estimator): CPU ${percent(meanOfRatios(...cpu))}, wall ${percent(meanOfRatios(...wall))}`,
    );
    return [relative(...cpu), relative(...wall)];
  };
  const none = { change: 0, within: 0 };
  const bareRuns = pairs.flatMap((pair) => pair.rounds.map((round) => of(round, bare.name)));
  return [
    row(bare.name, bareRuns, none, none),
    ...pairs.map(({ contender, rounds: measured }) =>
      row(
        contender.name,
        measured.map((round) => of(round, contender.name)),
        ...pairFigures(contender.name, measured),
        measured.map((round) => of(round, bare.name)),
      ),
    ),
  ];
}
