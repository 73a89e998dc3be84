/**
 * The simulated API in a child process, so the clients under test do not share an event loop (and
 * a CPU) with the server. Driven over IPC by bench/mock-control.ts: start (a fresh server, so every
 * run sees full buckets and its own overload window), stats, stop.
 */
import { type MockServer, type MockServerOptions, startMockServer } from '../src/mock/index.js';

type Command = { id: number } & (
  | { cmd: 'start'; options: MockServerOptions }
  | { cmd: 'stats' }
  | { cmd: 'stop' }
);

let server: MockServer | undefined;

async function handle(message: Command): Promise<unknown> {
  switch (message.cmd) {
    case 'start': {
      await server?.close();
      const startedAt = Date.now();
      server = await startMockServer({ host: '127.0.0.1', port: 0, ...message.options });
      return { url: server.url, startedAt };
    }
    case 'stats':
      return { stats: server?.stats };
    case 'stop':
      await server?.close();
      server = undefined;
      return {};
  }
}

process.on('message', (message: Command) => {
  handle(message).then(
    (reply) => process.send?.({ id: message.id, ...(reply as object) }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
// The parent going away must not leave a server running.
process.on('disconnect', () => process.exit(0));
