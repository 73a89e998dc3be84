import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { systemClock } from '../internal/clock.js';
import { FaultPlan, Script } from './faults.js';
import { handleRequest, type ServerContext } from './handler.js';
import { errorBody, sendJson } from './http-io.js';
import { makeId } from './random.js';
import { RateLimiter } from './rate-limiter.js';
import type { MockServer, MockServerOptions, MockServerStats, ModelLimits } from './types.js';

function emptyStats(): MockServerStats {
  return {
    requests: 0,
    byStatus: {},
    rateLimited: 0,
    overloaded: 0,
    resets: 0,
    streamInterruptions: 0,
    requestsDuringOverload: 0,
    succeeded: 0,
    authHeaders: { bearer: 0, xApiKey: 0 },
  };
}

function checkNumber(
  name: string,
  value: number | undefined,
  ok: (n: number) => boolean,
  rule: string,
): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && ok(value))) {
    throw new TypeError(`${name} must be ${rule}, got ${String(value)}`);
  }
}

function checkLimits(where: string, limits: ModelLimits | undefined): void {
  for (const key of ['rpm', 'itpm', 'otpm'] as const) {
    checkNumber(`${where}.${key}`, limits?.[key], (n) => n > 0, 'a positive number');
  }
}

/** Throws a `TypeError` naming the first invalid option (faults are checked by `FaultPlan`). */
function checkOptions(options: MockServerOptions): void {
  checkNumber('port', options.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'a port number');
  checkNumber('seed', options.seed, Number.isInteger, 'an integer');
  checkNumber('streamChunkDelayMs', options.streamChunkDelayMs, (n) => n >= 0, 'a non-negative number');
  checkNumber('latencyMs', options.latencyMs, (n) => n >= 0, 'a non-negative number');
  checkNumber('burstWindowSeconds', options.burstWindowSeconds, (n) => n > 0, 'a positive number');
  checkLimits('limits', options.limits);
  for (const [model, limits] of Object.entries(options.modelLimits ?? {})) {
    checkLimits(`modelLimits[${model}]`, limits);
  }
  if (options.apiKeys?.some((key) => typeof key !== 'string' || key === '')) {
    throw new TypeError('apiKeys must contain non-empty strings only');
  }
}

/** Starts a simulated Anthropic Messages API on 127.0.0.1 (a free port unless `port` is given). */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  checkOptions(options);
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 1;
  const host = options.host ?? '127.0.0.1';
  const closing = new AbortController();
  // Every request sleeping out its latency listens on this signal: hundreds at once is normal.
  setMaxListeners(0, closing.signal);
  let requests = 0;
  let messages = 0;
  const ctx: ServerContext = {
    clock,
    seed,
    startedAt: clock.now(),
    apiKeys: options.apiKeys ? new Set(options.apiKeys) : undefined,
    streamChunkDelayMs: options.streamChunkDelayMs ?? 0,
    latencyMs: options.latencyMs ?? 0,
    limiter: new RateLimiter({
      clock,
      burstWindowSeconds: options.burstWindowSeconds ?? 1,
      limits: options.limits,
      modelLimits: options.modelLimits,
    }),
    faults: new FaultPlan(options.faults ?? {}, seed),
    script: new Script(),
    closing: closing.signal,
    stats: emptyStats(),
    nextRequestId: () => makeId('req_', seed, requests++),
    nextMessageId: () => makeId('msg_', seed, messages++),
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handleRequest(ctx, req, res).catch(() => {
      // A bug in the simulator must still look like an API failure, never hang the client.
      if (!res.headersSent) {
        sendJson(ctx.stats, res, 500, errorBody('api_error', 'Internal server error', 'req_unknown'), {
          'request-id': 'req_unknown',
        });
      } else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    port,
    get stats() {
      return ctx.stats;
    },
    script: (...steps) => ctx.script.push(steps),
    setFaults: (faults) => ctx.faults.set(faults),
    setLimits: (limits, model) => {
      checkLimits(model === undefined ? 'limits' : `limits for ${model}`, limits);
      ctx.limiter.setLimits(limits, model);
    },
    resetStats: () => {
      // In place, so a reference taken from `stats` earlier keeps counting.
      Object.assign(ctx.stats, emptyStats());
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
