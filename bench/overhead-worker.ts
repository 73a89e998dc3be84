/**
 * A measuring process of the overhead scenario: the clients it is given (a client and the bare SDK)
 * live here, in one V8, so they run on the same warmed SDK code and the same connection pool, and
 * only what a client adds differs. Driven over IPC by bench/overhead.ts with one `measure` message;
 * answers with each round's figures.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { CONTENDERS } from './contenders.js';
import { runWorkload } from './workload.js';

export interface MeasureRequest {
  url: string;
  names: string[];
  bodies: MessageCreateParamsNonStreaming[];
  workers: number;
  warmUpRounds: number;
  rounds: number;
  timeLimitMs: number;
}

/** One client's figures in one round. */
export interface RoundFigures {
  name: string;
  cpuUs: number;
  wallMs: number;
  succeeded: number;
  failed: number;
  failures: string[];
}

async function measure(request: MeasureRequest): Promise<RoundFigures[][]> {
  const clients = request.names.map((name) => {
    const contender = CONTENDERS.find((c) => c.name === name);
    if (!contender) throw new Error(`unknown client ${name}`);
    return { name, send: contender.make(request.url) };
  });
  const run = async (client: (typeof clients)[number]): Promise<RoundFigures> => {
    const cpu = process.cpuUsage();
    const result = await runWorkload(client.send, request.bodies, request.workers, request.timeLimitMs);
    const used = process.cpuUsage(cpu);
    const { succeeded, failed, failures, elapsedMs } = result;
    return {
      name: client.name,
      cpuUs: used.user + used.system,
      wallMs: elapsedMs,
      succeeded,
      failed,
      failures,
    };
  };
  // V8 optimises a client's code only after thousands of calls: warming up is not measured.
  for (let i = 0; i < request.warmUpRounds; i++) for (const client of clients) await run(client);
  const rounds: RoundFigures[][] = [];
  for (let round = 0; round < request.rounds; round++) {
    const figures: RoundFigures[] = [];
    // A different order each round, so no client always runs first or last.
    for (let i = 0; i < clients.length; i++) {
      figures.push(await run(clients[(i + round) % clients.length] as (typeof clients)[number]));
    }
    rounds.push(figures);
    process.send?.({ progress: round + 1 });
  }
  return rounds;
}

process.on('message', (message: MeasureRequest) => {
  measure(message).then(
    (rounds) => process.send?.({ rounds }),
    (error: unknown) => process.send?.({ error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
