/**
 * Backoff strategies: pure functions of the retry number, the previous delay, the policy and a
 * random source. Formulas follow Brooker, "Exponential Backoff And Jitter" (AWS, 2015); `additive`
 * is the original guide's script: the exponential delay plus up to 10% on top.
 */

export type JitterName = 'none' | 'additive' | 'full' | 'equal' | 'decorrelated';

export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  readonly baseDelay: number;
  /** Growth per retry. */
  readonly factor: number;
  /** Longest computed delay, in milliseconds. */
  readonly maxDelay: number;
}

export interface BackoffInput extends BackoffPolicy {
  /** 1 for the first retry, 2 for the second... */
  readonly retry: number;
  /** The delay chosen before this one (the base delay before the first retry). */
  readonly previousDelay: number;
  /** Returns a number in [0, 1). */
  readonly random: () => number;
}

export type BackoffStrategy = (input: BackoffInput) => number;

/** min(maxDelay, baseDelay * factor^(retry-1)): the exponential ceiling every strategy starts from. */
export function exponentialCeiling(input: BackoffPolicy & { retry: number }): number {
  return Math.min(input.maxDelay, input.baseDelay * input.factor ** (input.retry - 1));
}

export const backoffStrategies: Readonly<Record<JitterName, BackoffStrategy>> = {
  none: (input) => exponentialCeiling(input),
  additive: (input) => {
    const delay = exponentialCeiling(input);
    return delay + input.random() * 0.1 * delay;
  },
  full: (input) => input.random() * exponentialCeiling(input),
  equal: (input) => {
    const ceiling = exponentialCeiling(input);
    return ceiling / 2 + input.random() * (ceiling / 2);
  },
  decorrelated: (input) => {
    const upper = Math.max(input.baseDelay, input.previousDelay * 3);
    return Math.min(input.maxDelay, input.baseDelay + input.random() * (upper - input.baseDelay));
  },
};

export function isJitterName(value: unknown): value is JitterName {
  return typeof value === 'string' && Object.hasOwn(backoffStrategies, value);
}
