/**
 * Scenario (d): what each client costs per request on an unlimited local server. Each client runs in
 * its own process (see overhead-worker.ts) and is warmed up first; the measured rounds alternate
 * between them (the first is not counted), and each client's median round is reported, wall time
 * and client CPU time.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Contender } from './contenders.js';
import type { RemoteMock } from './mock-control.js';
import type { Scenario } from './scenarios.js';
import type { Row } from './table.js';
import type { WorkloadResult } from './workload.js';

const ROUNDS = 9;

interface Measured {
  result: WorkloadResult;
  cpuUs: number;
}

function startWorker(name: string) {
  const child = fork(fileURLToPath(new URL('./overhead-worker.ts', import.meta.url)), [name], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const ask = <T>(message: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      const onMessage = (reply: { id: number; error?: string }) => {
        if (reply.id !== id) return;
        child.off('message', onMessage);
        if (reply.error) reject(new Error(reply.error));
        else resolve(reply as T);
      };
      child.on('message', onMessage);
      child.send({ id, ...message });
    });
  return {
    warmUp: () => ask<unknown>({ cmd: 'warm-up' }),
    run: (url: string, timeLimitMs: number) => ask<Measured>({ cmd: 'run', url, timeLimitMs }),
    close: () => child.kill(),
  };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function runOverhead(
  scenario: Scenario,
  contenders: readonly Contender[],
  mock: RemoteMock,
  timeLimitMs: number,
  log: (line: string) => void,
): Promise<Row[]> {
  const workers = contenders.map((contender) => ({ contender, worker: startWorker(contender.name) }));
  const runs = new Map<string, Measured[]>();
  try {
    // All at once: warming up is not measured.
    await Promise.all(workers.map(({ worker }) => worker.warmUp()));
    for (let round = 0; round <= ROUNDS; round++) {
      // A different order each round, so no client always runs first or last.
      for (let i = 0; i < workers.length; i++) {
        const { contender, worker } = workers[(i + round) % workers.length] as (typeof workers)[number];
        const { url } = await mock.start(scenario.server);
        const measured = await worker.run(url, timeLimitMs);
        await mock.stop();
        if (round > 0) runs.set(contender.name, [...(runs.get(contender.name) ?? []), measured]);
      }
    }
  } finally {
    for (const { worker } of workers) worker.close();
  }
  const summary = (name: string) => {
    const measured = runs.get(name) ?? [];
    return {
      wall: median(measured.map((m) => m.result.elapsedMs)),
      cpu: median(measured.map((m) => m.cpuUs)),
    };
  };
  const bare = summary(contenders[0]?.name ?? '');
  return contenders.map((contender) => {
    const { wall, cpu } = summary(contender.name);
    const last = runs.get(contender.name)?.at(-1)?.result;
    log(`  ${scenario.key}: ${contender.name}: median ${(wall / 1000).toFixed(3)} s of ${ROUNDS} rounds`);
    return {
      contender: contender.name,
      succeeded: last?.succeeded ?? 0,
      failed: last?.failed ?? 0,
      elapsedMs: wall,
      efficiency: undefined,
      rateLimitedPerSuccess: 0,
      duringOverload: undefined,
      afterRecovery: undefined,
      timedOut: last?.timedOut ?? false,
      failures: last?.failures ?? [],
      overheadVsBare: wall / bare.wall - 1,
      cpuPerRequestUs: cpu / scenario.bodies.length,
      cpuVsBare: cpu / bare.cpu - 1,
    };
  });
}
