import { describe, expect, it } from 'vitest';
import { FaultPlan, Script } from './faults.js';

describe('FaultPlan', () => {
  it('knows its overload windows as half-open intervals', () => {
    const plan = new FaultPlan({ overloadWindows: [{ startMs: 100, endMs: 200 }] }, 1);
    expect([99, 100, 199, 200].map((t) => plan.overloadedAt(t))).toEqual([false, true, true, false]);
  });

  it('rolls the same dice for the same seed', () => {
    const rolls = (seed: number) => {
      const plan = new FaultPlan({ errorRate: 0.5, resetRate: 0.3, streamInterruptionRate: 0.4 }, seed);
      return Array.from({ length: 50 }, () => plan.draw());
    };
    expect(rolls(7)).toEqual(rolls(7));
    expect(rolls(7)).not.toEqual(rolls(8));
    const errors = rolls(7).filter((d) => d.error).length;
    expect(errors).toBeGreaterThan(10);
    expect(errors).toBeLessThan(40);
  });

  it('never fires at rate 0 and always at rate 1', () => {
    const never = new FaultPlan({}, 3);
    const always = new FaultPlan(
      { errorRate: 1, resetRate: 1, streamInterruptionRate: 1, streamInterruption: { kind: 'stall' } },
      3,
    );
    for (let i = 0; i < 20; i++) {
      expect(never.draw()).toEqual({ reset: false, error: false, interruption: undefined });
      expect(always.draw()).toEqual({ reset: true, error: true, interruption: { kind: 'stall' } });
    }
    const defaultKind = new FaultPlan({ streamInterruptionRate: 1 }, 3);
    expect(defaultKind.draw().interruption).toEqual({ kind: 'error' });
  });

  it.each([
    [{ errorRate: 2 }, 'faults.errorRate must be a number between 0 and 1, got 2'],
    [{ resetRate: -1 }, 'faults.resetRate'],
    [{ streamInterruptionRate: Number.NaN }, 'faults.streamInterruptionRate'],
    [
      { overloadWindows: [{ startMs: 5, endMs: 5 }] },
      'faults.overloadWindows[0] must have 0 <= startMs < endMs',
    ],
    [{ streamInterruption: { kind: 'boom' as 'error' } }, 'faults.streamInterruption.kind must be one of'],
    [{ streamInterruption: { kind: 'error' as const, afterEvents: 1.5 } }, 'afterEvents'],
    [{ latencyMs: -1 }, 'faults.latencyMs'],
  ])('rejects %j', (faults, message) => {
    expect(() => new FaultPlan(faults, 1)).toThrow(TypeError);
    expect(() => new FaultPlan(faults, 1)).toThrow(message);
  });
});

describe('Script', () => {
  it('serves steps in order', () => {
    const script = new Script();
    script.push([{ status: 529 }, { reset: true }, 'ok']);
    expect(script.take(false)).toEqual({ status: 529 });
    expect(script.take(true)).toEqual({ reset: true });
    expect(script.take(false)).toBe('ok');
    expect(script.take(false)).toBeUndefined();
  });

  it('keeps a stream step at the head until a streamed request comes', () => {
    const script = new Script();
    script.push([{ stream: { kind: 'reset' } }, 'ok']);
    expect(script.take(false)).toBeUndefined();
    expect(script.length).toBe(2);
    expect(script.take(true)).toEqual({ stream: { kind: 'reset' } });
    expect(script.take(false)).toBe('ok');
  });

  it('refuses statuses that are not errors', () => {
    const script = new Script();
    expect(() => script.push(['ok', { status: 200 }])).toThrow(
      'steps[1].status must be an integer from 400 to 599',
    );
    expect(() => script.push([{ stream: { kind: 'nope' as 'error' } }])).toThrow('steps[0].stream.kind');
    expect(script.length).toBe(0);
  });
});
