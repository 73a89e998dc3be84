/**
 * Scenario (d): what each client costs per request on an unlimited local server, in client CPU time
 * and in wall time.
 *
 * How it is measured, and why:
 * - All clients run in one child process (overhead-worker.ts) against one simulated API in another.
 *   They share the SDK's warmed code and the connection pool, so what differs is what each adds.
 * - After warming up, every round runs each client once (1000 requests, 8 at a time), in an order
 *   that rotates from round to round.
 * - Figures are means over all rounds, not medians. A garbage collection of the old generation lands
 *   in some rounds and not others, so single rounds differ by up to 10%; a mean charges every client
 *   for the collections its allocations cause.
 * - What each client's own code costs per call, without the network, is `npm run bench:code`.
 * - "vs bare SDK" is the mean of the per-round ratios to the bare SDK of the same round, with a 95%
 *   interval. The SDK with maxRetries 10 behaves exactly like the default SDK here (nothing fails),
 *   so its row shows how far apart two identical clients land: the noise floor.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Contender } from './contenders.js';
import type { RemoteMock } from './mock-control.js';
import type { MeasureRequest, RoundFigures } from './overhead-worker.js';
import type { Scenario } from './scenarios.js';
import type { Row } from './table.js';

const WARM_UP_ROUNDS = 4;
const ROUNDS = 40;
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

/** Mean of the ratios minus one, and the half-width of its 95% interval. */
function relative(ratios: readonly number[]): { change: number; within: number } {
  const m = mean(ratios);
  const variance = ratios.reduce((sum, r) => sum + (r - m) ** 2, 0) / Math.max(1, ratios.length - 1);
  return { change: m - 1, within: 1.96 * Math.sqrt(variance / ratios.length) };
}

export async function runOverhead(
  scenario: Scenario,
  contenders: readonly Contender[],
  mock: RemoteMock,
  timeLimitMs: number,
  log: (line: string) => void,
): Promise<Row[]> {
  const { url } = await mock.start(scenario.server);
  let measured: Measured;
  try {
    measured = await measureInChild(
      {
        url,
        names: contenders.map((c) => c.name),
        bodies: [...scenario.bodies],
        workers: scenario.workers,
        warmUpRounds: WARM_UP_ROUNDS,
        rounds: ROUNDS,
        timeLimitMs,
      },
      log,
    );
  } finally {
    await mock.stop();
  }
  const { rounds } = measured;
  const requests = scenario.bodies.length;
  const bareName = contenders[0]?.name;
  const of = (round: RoundFigures[], name: string | undefined) =>
    round.find((f) => f.name === name) as RoundFigures;
  return contenders.map((contender) => {
    const mine = rounds.map((round) => of(round, contender.name));
    const cpu = relative(rounds.map((round) => of(round, contender.name).cpuUs / of(round, bareName).cpuUs));
    const wall = relative(
      rounds.map((round) => of(round, contender.name).wallMs / of(round, bareName).wallMs),
    );
    const last = mine.at(-1);
    log(
      `  d: ${contender.name}: ${mean(mine.map((f) => f.cpuUs / requests)).toFixed(0)} us CPU per request over ${ROUNDS} rounds`,
    );
    return {
      contender: contender.name,
      succeeded: mine.reduce((sum, f) => sum + f.succeeded, 0),
      failed: mine.reduce((sum, f) => sum + f.failed, 0),
      elapsedMs: mean(mine.map((f) => f.wallMs)),
      efficiency: undefined,
      rateLimitedPerSuccess: 0,
      duringOverload: undefined,
      afterRecovery: undefined,
      timedOut: false,
      failures: last?.failures ?? [],
      overheadVsBare: wall.change,
      overheadWithin: wall.within,
      cpuPerRequestUs: mean(mine.map((f) => f.cpuUs / requests)),
      cpuVsBare: cpu.change,
      cpuWithin: cpu.within,
    };
  });
}
