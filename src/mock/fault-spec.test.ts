import { describe, expect, it } from 'vitest';
import { mergeFaultOptions, parseFaultSpec } from './fault-spec.js';
import type { FaultOptions } from './types.js';

describe('parseFaultSpec', () => {
  it.each<[string, FaultOptions]>([
    ['overload=2000-6000', { overloadWindows: [{ startMs: 2000, endMs: 6000 }] }],
    ['overload=0-1', { overloadWindows: [{ startMs: 0, endMs: 1 }] }],
    ['error-rate=0.05', { errorRate: 0.05 }],
    ['error-rate=1', { errorRate: 1 }],
    ['reset-rate=0.02', { resetRate: 0.02 }],
    ['stream-interrupt=0.2', { streamInterruptionRate: 0.2 }],
    ['stream-interrupt-kind=reset', { streamInterruption: { kind: 'reset' } }],
    ['stream-interrupt-kind=stall:5', { streamInterruption: { kind: 'stall', afterEvents: 5 } }],
    ['stream-interrupt-kind=error', { streamInterruption: { kind: 'error' } }],
    ['latency=50', { latencyMs: 50 }],
    ['latency=12.5', { latencyMs: 12.5 }],
    ['should-retry=true', { shouldRetryHeader: true }],
    ['should-retry=false', { shouldRetryHeader: false }],
    [' Error-Rate = 0.5 ', { errorRate: 0.5 }],
  ])('parses %s', (spec, expected) => {
    expect(parseFaultSpec(spec)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['overload', 'expected NAME=VALUE'],
    ['overload=', 'missing value for "overload"'],
    ['overload=6000-2000', 'the window must end after it starts'],
    ['overload=2000', '"2000" is not a window START-END in milliseconds'],
    ['overload=-5-10', 'is not a window'],
    ['error-rate=1.5', '"1.5" is not a probability between 0 and 1'],
    ['error-rate=-0.1', 'is not a probability'],
    ['reset-rate=abc', 'is not a probability'],
    ['stream-interrupt=NaN', 'is not a probability'],
    ['stream-interrupt-kind=explode', '"explode" is not one of error, reset, stall'],
    ['stream-interrupt-kind=reset:x', '"x" is not a whole number of events'],
    ['latency=fast', 'is not a number of milliseconds'],
    ['should-retry=yes', '"yes" is not true or false'],
    ['chaos=1', 'unknown fault "chaos"'],
  ])('rejects %s', (spec, problem) => {
    const call = () => parseFaultSpec(spec);
    expect(call).toThrow(TypeError);
    expect(call).toThrow(problem);
    expect(call).toThrow(`Invalid fault spec "${spec}"`);
    expect(call).toThrow('Valid forms: overload=START-END');
  });
});

describe('mergeFaultOptions', () => {
  it('adds overload windows up and lets later fields win', () => {
    const merged = ['overload=0-1000', 'error-rate=0.1', 'overload=5000-6000', 'error-rate=0.3', 'latency=5']
      .map(parseFaultSpec)
      .reduce(mergeFaultOptions, {});
    expect(merged).toEqual({
      overloadWindows: [
        { startMs: 0, endMs: 1000 },
        { startMs: 5000, endMs: 6000 },
      ],
      errorRate: 0.3,
      latencyMs: 5,
    });
  });

  it('ignores undefined fields and does not mutate its inputs', () => {
    const a: FaultOptions = { resetRate: 0.5, overloadWindows: [{ startMs: 1, endMs: 2 }] };
    const merged = mergeFaultOptions(a, { resetRate: undefined, shouldRetryHeader: true });
    expect(merged).toEqual({
      resetRate: 0.5,
      overloadWindows: [{ startMs: 1, endMs: 2 }],
      shouldRetryHeader: true,
    });
    expect(a).toEqual({ resetRate: 0.5, overloadWindows: [{ startMs: 1, endMs: 2 }] });
  });
});
