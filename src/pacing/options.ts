/** Options of the default pacer, their defaults and their validation. */
import { ConfigurationError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import type { RetryBudgetOptions } from './budget.js';
import { DEFAULT_OVERLOAD_POLICY, type OverloadPolicy } from './overload.js';
import type { PacingStore } from './store.js';

export type PacingState = 'paced' | 'throttled' | 'overloaded' | 'recovered';

/** What `onStateChange` receives (and what the client emits as a `pacing` event). */
export interface PacingStateChange {
  readonly model: string;
  /**
   * `paced`: requests now wait for a rate limit instead of drawing 429s; `throttled`: the server
   * answered 429 anyway; `overloaded`: requests are held while a probe finds out when the server is
   * back; `recovered`: it is, full speed again.
   */
  readonly state: PacingState;
  readonly detail: string;
}

export interface PacingOptions {
  /** Requests per minute you know you may send (applies on top of what the server's headers say). */
  readonly rpm?: number;
  /** Input tokens per minute you know you may send. */
  readonly itpm?: number;
  /** Output tokens per minute you know you may send (charged from `max_tokens`, like the API). */
  readonly otpm?: number;
  /**
   * Most requests in flight at once, per model.
   * @default 256
   */
  readonly maxConcurrency?: number;
  /**
   * Requests in flight per model before any answer has shown the limits; each success allows one
   * more (so it doubles every round trip) until headers say how much room there is.
   * @default 1
   */
  readonly initialConcurrency?: number;
  /**
   * The shared retry budget, or `false` for none.
   * @default { ratio: 0.2, minRetries: 10, windowMs: 10000 }
   */
  readonly retryBudget?: RetryBudgetOptions | false;
  /** How the overload probe behaves. @default { firstProbeDelay: 250, maxProbeDelay: 1000, ... } */
  readonly overload?: Partial<OverloadPolicy>;
  /** Where the limiter keeps its state. @default a new MemoryPacingStore (this process only) */
  readonly store?: PacingStore;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Told whenever a model's pacing state changes. */
  readonly onStateChange?: (change: PacingStateChange) => void;
}

export const PACING_DEFAULTS = { maxConcurrency: 256, initialConcurrency: 1 } as const;

function fail(name: string, rule: string, value: unknown): never {
  throw new ConfigurationError(`Invalid pacing option \`${name}\`: expected ${rule}, got ${String(value)}.`);
}

function positive(name: string, value: number | undefined, integer: boolean): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    fail(name, integer ? 'a whole number > 0' : 'a number > 0', value);
  }
}

/** Throws a ConfigurationError naming the first invalid option; returns the overload policy to use. */
export function checkPacingOptions(options: PacingOptions): OverloadPolicy {
  positive('rpm', options.rpm, false);
  positive('itpm', options.itpm, false);
  positive('otpm', options.otpm, false);
  positive('maxConcurrency', options.maxConcurrency, true);
  positive('initialConcurrency', options.initialConcurrency, true);
  const policy = { ...DEFAULT_OVERLOAD_POLICY, ...options.overload };
  for (const key of [
    'firstProbeDelay',
    'maxProbeDelay',
    'probeTimeout',
    'failureWindow',
    'minFailures',
  ] as const) {
    positive(`overload.${key}`, policy[key], key === 'minFailures');
  }
  const share = policy.failureShare;
  if (typeof share !== 'number' || !(share > 0 && share <= 1))
    fail('overload.failureShare', 'a number in (0, 1]', share);
  if (policy.maxProbeDelay < policy.firstProbeDelay) {
    fail(
      'overload.maxProbeDelay',
      `a delay >= firstProbeDelay (${policy.firstProbeDelay})`,
      policy.maxProbeDelay,
    );
  }
  if (
    options.store !== undefined &&
    (typeof options.store.take !== 'function' || typeof options.store.settle !== 'function')
  ) {
    fail('store', 'an object with take() and settle() (a PacingStore)', options.store);
  }
  return policy;
}
