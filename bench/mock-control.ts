/** Starts bench/mock-process.ts as a child and talks to it. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MockServerOptions, MockServerStats } from '../src/mock/index.js';

export interface RemoteMock {
  /** A fresh server with these options; `startedAt` is when its overload windows are counted from. */
  start(options: MockServerOptions): Promise<{ url: string; startedAt: number }>;
  stats(): Promise<MockServerStats>;
  stop(): Promise<void>;
  /** Ends the child process. */
  close(): void;
}

export function forkMock(): RemoteMock {
  const child: ChildProcess = fork(fileURLToPath(new URL('./mock-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  child.on('message', (reply: Record<string, unknown>) => {
    const id = reply.id as number;
    pending.get(id)?.(reply);
    pending.delete(id);
  });
  const ask = (message: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = next++;
      pending.set(id, (reply) => (reply.error ? reject(new Error(String(reply.error))) : resolve(reply)));
      child.send({ id, ...message });
    });
  return {
    start: async (options) =>
      (await ask({ cmd: 'start', options })) as unknown as { url: string; startedAt: number },
    stats: async () => (await ask({ cmd: 'stats' })).stats as MockServerStats,
    stop: async () => {
      await ask({ cmd: 'stop' });
    },
    close: () => {
      child.disconnect();
      child.kill();
    },
  };
}
