/**
 * One client under test in a process of its own, for the overhead scenario: measured alone, its
 * timing cannot be skewed by another client's code warming up (or cooling down) in the same V8.
 * Driven over IPC by bench/overhead.ts: `warm-up` (against a server of its own), then `run`s.
 */
import { startMockServer } from '../src/mock/index.js';
import { CONTENDERS } from './contenders.js';
import { scenarios } from './scenarios.js';
import { runWorkload } from './workload.js';

const scenario = scenarios().find((s) => s.key === 'd');
const contender = CONTENDERS.find((c) => c.name === process.argv[2]);

/** Requests sent before measuring, so that V8 has optimised this client's code (it takes thousands). */
const WARM_UP_ROUNDS = 4;

async function warmUp(): Promise<void> {
  if (!scenario || !contender) return;
  const server = await startMockServer(scenario.server);
  for (let i = 0; i < WARM_UP_ROUNDS; i++) {
    await runWorkload(contender.make(server.url), scenario.bodies, scenario.workers, 60_000);
  }
  await server.close();
}

type Message = { id: number; cmd: 'warm-up' } | { id: number; cmd: 'run'; url: string; timeLimitMs: number };

process.on('message', async (message: Message) => {
  if (!scenario || !contender) {
    process.send?.({ id: message.id, error: `unknown contender ${process.argv[2]}` });
    return;
  }
  if (message.cmd === 'warm-up') {
    await warmUp();
    process.send?.({ id: message.id });
    return;
  }
  const cpu = process.cpuUsage();
  const result = await runWorkload(
    contender.make(message.url),
    scenario.bodies,
    scenario.workers,
    message.timeLimitMs,
  );
  const used = process.cpuUsage(cpu);
  process.send?.({ id: message.id, result, cpuUs: used.user + used.system });
});
process.on('disconnect', () => process.exit(0));
