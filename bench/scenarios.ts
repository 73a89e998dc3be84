/** The benchmark's scenarios: a server configuration, a workload, and what "ideal" means for it. */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import type { MockServerOptions } from '../src/mock/index.js';
import { composeReply } from '../src/mock/replies.js';
import type { MessagesRequest } from '../src/mock/validate.js';

export const MODEL = 'claude-sonnet-4-20250514';

export interface Scenario {
  readonly key: string;
  readonly title: string;
  readonly server: MockServerOptions;
  readonly bodies: readonly MessageCreateParamsNonStreaming[];
  readonly workers: number;
  /** The fastest any client could finish, in ms, and how that was worked out. */
  readonly ideal: { ms: number; how: string } | undefined;
  /** For the overload scenario: the window (ms after server start) and the request bucket. */
  readonly overload?: { startMs: number; endMs: number; perSecond: number; capacity: number };
}

function greeting(i: number, maxTokens: number): MessageCreateParamsNonStreaming {
  return {
    model: MODEL,
    max_tokens: maxTokens,
    messages: [{ role: 'user', content: `Hello from request ${i}!` }],
  };
}

/** A prompt the simulator answers with exactly `tokens` output tokens (it echoes what follows `echo:`). */
function echo(i: number, tokens: number): MessageCreateParamsNonStreaming {
  const text = `request ${i} `.padEnd(tokens * 4, 'lorem ipsum dolor sit amet ');
  return { model: MODEL, max_tokens: tokens, messages: [{ role: 'user', content: `echo: ${text}` }] };
}

/** What the simulator will answer, in output tokens. */
function outputTokens(body: MessageCreateParamsNonStreaming, seed: number): number {
  return composeReply(body as unknown as MessagesRequest, seed).outputTokens;
}

const RPM = 2400; // 40 requests per second, a bucket of 40 over the simulator's 1 s window
const SEED = 42;

function requestBurst(): Scenario {
  const n = 400;
  const perSecond = RPM / 60;
  return {
    key: 'a',
    title: `(a) request-limit burst: ${n} requests, 64 workers, limit ${RPM} rpm (${perSecond}/s)`,
    server: { limits: { rpm: RPM }, seed: SEED },
    bodies: Array.from({ length: n }, (_, i) => greeting(i, 100)),
    workers: 64,
    ideal: {
      ms: ((n - perSecond) / perSecond) * 1000,
      how: `(N - burst capacity) / rate = (${n} - ${perSecond}) / ${perSecond} per s`,
    },
  };
}

function tokenBurst(): Scenario {
  const otpm = 600_000; // 10,000 output tokens per second; the bucket holds 10,000 (rounded headers)
  const perSecond = otpm / 60;
  const sizes = [200, 500, 1000, 2500];
  const n = 200;
  const bodies = Array.from({ length: n }, (_, i) => {
    const size = sizes[i % sizes.length] as number;
    // Every fourth asks for 2500 but gets a short greeting: most of its charge is refunded at the end.
    return i % sizes.length === 3 ? greeting(i, size) : echo(i, size);
  });
  const total = bodies.reduce((sum, body) => sum + outputTokens(body, SEED), 0);
  return {
    key: 'b',
    title: `(b) output-token burst: ${n} requests, 64 workers, max_tokens ${sizes.join('/')}, limit ${otpm} otpm`,
    server: { limits: { otpm }, seed: SEED },
    bodies,
    workers: 64,
    ideal: {
      ms: ((total - perSecond) / perSecond) * 1000,
      how: `(output tokens produced - burst capacity) / rate = (${total} - ${perSecond}) / ${perSecond} per s`,
    },
  };
}

function overloadWindow(): Scenario {
  const n = 400;
  const perSecond = RPM / 60;
  const startMs = 2000;
  const endMs = 6000;
  const before = Math.min(n, perSecond + (perSecond * startMs) / 1000);
  const after = Math.max(0, n - before - perSecond);
  return {
    key: 'c',
    title: `(c) overload: ${n} requests, 64 workers, ${RPM} rpm, 529s from ${startMs / 1000} s to ${endMs / 1000} s, 5% 500s, 2% resets`,
    server: {
      limits: { rpm: RPM },
      seed: SEED,
      faults: { overloadWindows: [{ startMs, endMs }], errorRate: 0.05, resetRate: 0.02 },
    },
    bodies: Array.from({ length: n }, (_, i) => greeting(i, 100)),
    workers: 64,
    ideal: {
      ms: endMs + (after / perSecond) * 1000,
      how: `window end + (N - sent before the window - burst capacity) / rate = ${endMs / 1000} s + ${after} / ${perSecond} per s`,
    },
    overload: { startMs, endMs, perSecond, capacity: perSecond },
  };
}

function overhead(): Scenario {
  const n = 1000;
  return {
    key: 'd',
    title: `(d) per-request overhead: rounds of ${n} requests, 8 workers, no limits, no latency`,
    server: { seed: SEED },
    bodies: Array.from({ length: n }, (_, i) => greeting(i, 100)),
    workers: 8,
    ideal: undefined,
  };
}

export function scenarios(): Scenario[] {
  return [requestBurst(), tokenBurst(), overloadWindow(), overhead()];
}
