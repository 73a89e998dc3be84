/**
 * The four ways of calling the API that the benchmark compares, each reduced to "send this body,
 * resolve with the message or reject with the final error".
 */
import Anthropic, { RateLimitError } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import type { Classifier } from '../src/retry/classify.js';
import { built } from './package.js';

const { createClient, retry } = built;

export const BENCH_KEY = 'sk-bench-simulated-key';

export type Send = (body: MessageCreateParamsNonStreaming, signal: AbortSignal) => Promise<Message>;

export interface Contender {
  readonly name: string;
  /** A fresh client for one run against `baseURL` (nothing learned carries over between runs). */
  make(baseURL: string): Send;
}

function sdk(baseURL: string, maxRetries: number): Anthropic {
  return new Anthropic({ apiKey: BENCH_KEY, baseURL, maxRetries });
}

/** The original script: only RateLimitError is retried, nothing is read from the answer. */
const onlyRateLimits: Classifier = (error) =>
  error instanceof RateLimitError
    ? { retryable: true, kind: 'rate_limit' }
    : { retryable: false, kind: 'unknown' };

export const CONTENDERS: readonly Contender[] = [
  {
    name: 'SDK, maxRetries 2 (default)',
    make: (baseURL) => {
      const client = sdk(baseURL, 2);
      return (body, signal) => client.messages.create(body, { signal });
    },
  },
  {
    name: 'SDK, maxRetries 10',
    make: (baseURL) => {
      const client = sdk(baseURL, 10);
      return (body, signal) => client.messages.create(body, { signal });
    },
  },
  {
    name: 'original script (additive)',
    make: (baseURL) => {
      const client = sdk(baseURL, 0);
      return (body, signal) =>
        retry(() => client.messages.create(body, { signal }), {
          maxAttempts: 5,
          baseDelay: 1000,
          factor: 2,
          maxDelay: 60_000,
          jitter: 'additive',
          classify: onlyRateLimits,
          signal,
        });
    },
  },
  {
    name: 'claude-retry (defaults)',
    make: (baseURL) => {
      const client = createClient({ apiKey: BENCH_KEY, baseURL });
      return (body, signal) => client.messages.create(body, { signal });
    },
  },
  // BENCH_EXTRA=1 adds the client with pacing off, to tell the pacer's cost from the rest of the client's.
  ...(process.env.BENCH_EXTRA
    ? [
        {
          name: 'claude-retry (pacing off)',
          make: (baseURL: string): Send => {
            const client = createClient({ apiKey: BENCH_KEY, baseURL, pacing: false });
            return (body, signal) => client.messages.create(body, { signal });
          },
        },
      ]
    : []),
];
