/** Parsers for flag values: each failure names the flag and says what is expected. */
import { InvalidArgumentError } from 'commander';
import { isJitterName, type JitterName } from '../retry/backoff.js';

export function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} expects a whole number of 1 or more, got "${value}".`);
    }
    return n;
  };
}

/** Seconds as a person types them ("1", "0.5"), returned in milliseconds. */
export function secondsToMs(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new InvalidArgumentError(`${flag} expects a number of seconds of 0 or more, got "${value}".`);
    }
    return Math.round(n * 1000);
  };
}

export function jitterName(value: string): JitterName {
  if (!isJitterName(value)) {
    throw new InvalidArgumentError(
      `--jitter expects one of none, additive, full, equal, decorrelated; got "${value}".`,
    );
  }
  return value;
}

export function probability(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidArgumentError(`${flag} expects a number between 0 and 1, got "${value}".`);
    }
    return n;
  };
}
