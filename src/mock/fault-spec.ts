import type { FaultOptions, StreamInterruption } from './types.js';

const VALID_FORMS = [
  'overload=START-END (ms since server start, e.g. overload=2000-6000)',
  'error-rate=P',
  'reset-rate=P',
  'stream-interrupt=P',
  'stream-interrupt-kind=error|reset|stall[:AFTER_EVENTS]',
  'latency=MS',
  'should-retry=true|false',
].join(', ');

function invalid(spec: string, problem: string): never {
  throw new TypeError(
    `Invalid fault spec "${spec}": ${problem}. Valid forms: ${VALID_FORMS}; P is a probability from 0 to 1.`,
  );
}

const NUMBER = /^\d+(\.\d+)?$/;

function probability(spec: string, value: string): number {
  const p = Number(value);
  if (!NUMBER.test(value) || p > 1) invalid(spec, `"${value}" is not a probability between 0 and 1`);
  return p;
}

function wholeNumber(spec: string, value: string, what: string): number {
  if (!/^\d+$/.test(value)) invalid(spec, `"${value}" is not a whole number of ${what}`);
  return Number(value);
}

/**
 * Parses one `--fault` flag of the CLI. Each flag sets one field; the caller merges several with
 * `mergeFaultOptions` (overload windows add up, other fields: the later flag wins).
 */
export function parseFaultSpec(spec: string): FaultOptions {
  const eq = spec.indexOf('=');
  if (eq < 0) invalid(spec, 'expected NAME=VALUE');
  const name = spec.slice(0, eq).trim().toLowerCase();
  const value = spec.slice(eq + 1).trim();
  if (value === '') invalid(spec, `missing value for "${name}"`);
  switch (name) {
    case 'overload': {
      const match = /^(\d+)-(\d+)$/.exec(value);
      if (!match) invalid(spec, `"${value}" is not a window START-END in milliseconds`);
      const startMs = Number(match[1]);
      const endMs = Number(match[2]);
      if (endMs <= startMs) invalid(spec, `the window must end after it starts (${startMs} >= ${endMs})`);
      return { overloadWindows: [{ startMs, endMs }] };
    }
    case 'error-rate':
      return { errorRate: probability(spec, value) };
    case 'reset-rate':
      return { resetRate: probability(spec, value) };
    case 'stream-interrupt':
      return { streamInterruptionRate: probability(spec, value) };
    case 'stream-interrupt-kind': {
      const [kind, after] = value.split(':', 2) as [string, string | undefined];
      if (kind !== 'error' && kind !== 'reset' && kind !== 'stall') {
        invalid(spec, `"${kind}" is not one of error, reset, stall`);
      }
      const interruption: StreamInterruption = { kind };
      if (after !== undefined) interruption.afterEvents = wholeNumber(spec, after, 'events');
      return { streamInterruption: interruption };
    }
    case 'latency':
      if (!NUMBER.test(value)) invalid(spec, `"${value}" is not a number of milliseconds`);
      return { latencyMs: Number(value) };
    case 'should-retry':
      if (value !== 'true' && value !== 'false') invalid(spec, `"${value}" is not true or false`);
      return { shouldRetryHeader: value === 'true' };
    default:
      return invalid(spec, `unknown fault "${name}"`);
  }
}

/**
 * Combines two fault plans: overload windows are concatenated; for every other field `b` wins when
 * it sets it.
 */
export function mergeFaultOptions(a: FaultOptions, b: FaultOptions): FaultOptions {
  const merged: FaultOptions = { ...a };
  for (const [key, value] of Object.entries(b) as [keyof FaultOptions, unknown][]) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  const windows = [...(a.overloadWindows ?? []), ...(b.overloadWindows ?? [])];
  if (windows.length > 0) merged.overloadWindows = windows;
  return merged;
}
