import { describe, expect, it } from 'vitest';
import {
  gate,
  initialOverloadState,
  markProbe,
  type OutcomeKind,
  DEFAULT_OVERLOAD_POLICY as policy,
  recordOutcome,
} from './overload.js';

const T0 = 1_700_000_000_000;

describe('overload state', () => {
  it('a 529 holds everyone, a probe goes after 250 ms, failed probes back off to 1 s, an answer ends it', () => {
    const state = initialOverloadState();
    expect(gate(state, T0, policy)).toEqual({ open: true, probe: false });
    const change = recordOutcome(state, { seq: 1, sentAt: T0 - 50, kind: 'overloaded' }, T0, policy);
    expect(change?.state).toBe('overloaded');
    expect(change?.detail).toMatch(/529 overloaded; holding requests, probing from 250 ms/);
    expect(gate(state, T0 + 100, policy)).toEqual({ open: false, waitMs: 150 });
    expect(gate(state, T0 + 250, policy)).toEqual({ open: true, probe: true });
    markProbe(state, 7, T0 + 250);
    // While the probe is out, nobody else goes.
    expect(gate(state, T0 + 400, policy)).toEqual({ open: false, waitMs: 250 });

    // Another request that was already out fails too: no news, the schedule stands.
    expect(
      recordOutcome(state, { seq: 2, sentAt: T0 - 40, kind: 'overloaded' }, T0 + 300, policy),
    ).toBeUndefined();
    expect(
      recordOutcome(state, { seq: 7, sentAt: T0 + 250, kind: 'overloaded' }, T0 + 260, policy),
    ).toBeUndefined();
    expect(gate(state, T0 + 260, policy)).toEqual({ open: false, waitMs: 500 });
    const delays: number[] = [];
    let now = T0 + 760;
    for (let seq = 8; seq < 11; seq++) {
      expect(gate(state, now, policy)).toEqual({ open: true, probe: true });
      markProbe(state, seq, now);
      recordOutcome(state, { seq, sentAt: now, kind: 'server_error' }, now, policy);
      const closed = gate(state, now, policy) as { waitMs: number };
      delays.push(closed.waitMs);
      now += closed.waitMs;
    }
    expect(delays).toEqual([1000, 1000, 1000]);
    markProbe(state, 11, now);
    const recovered = recordOutcome(state, { seq: 11, sentAt: now, kind: 'success' }, now + 30, policy);
    expect(recovered).toEqual({ state: 'recovered', detail: 'the server answered again after 3.8 s' });
    expect(gate(state, now + 30, policy)).toEqual({ open: true, probe: false });
    // A late 529 for a request sent before the recovery does not start a new overload.
    expect(
      recordOutcome(state, { seq: 3, sentAt: T0 + 10, kind: 'overloaded' }, now + 40, policy),
    ).toBeUndefined();
  });

  it('5xx and dropped connections count only as a burst: 5 failures and half the recent outcomes', () => {
    const state = initialOverloadState();
    let seq = 0;
    const record = (kind: 'success' | 'server_error' | 'connection') =>
      recordOutcome(state, { seq: ++seq, sentAt: T0, kind }, T0 + seq, policy);
    for (let i = 0; i < 6; i++) record('success');
    for (let i = 0; i < 5; i++) expect(record(i % 2 ? 'connection' : 'server_error')).toBeUndefined();
    expect(record('server_error')?.detail).toMatch(
      /^6 of the last 12 requests failed with server or connection errors/,
    );
  });

  it('judges a burst on the last 20 outcomes only, however many are kept', () => {
    const state = initialOverloadState();
    let seq = 0;
    const record = (kind: OutcomeKind) => recordOutcome(state, { seq: ++seq, sentAt: T0, kind }, T0, policy);
    for (let i = 0; i < 25; i++) record('success');
    for (let i = 0; i < 9; i++) expect(record('server_error')).toBeUndefined();
    expect(record('server_error')?.detail).toMatch(/^10 of the last 20 requests failed/);
    expect(state.recent.length).toBeLessThan(40);
  });

  it('forgets outcomes older than the failure window', () => {
    const state = initialOverloadState();
    for (let seq = 1; seq <= 4; seq++)
      recordOutcome(state, { seq, sentAt: T0, kind: 'server_error' }, T0, policy);
    const later = T0 + policy.failureWindow + 1;
    expect(
      recordOutcome(state, { seq: 5, sentAt: later, kind: 'server_error' }, later, policy),
    ).toBeUndefined();
    expect(state.recent).toHaveLength(1);
  });

  it('a probe whose caller gave up frees the gate at once; a probe that never answers stops blocking after the timeout', () => {
    const state = initialOverloadState();
    recordOutcome(state, { seq: 1, sentAt: T0, kind: 'overloaded' }, T0, policy);
    markProbe(state, 2, T0 + 250);
    recordOutcome(state, { seq: 2, sentAt: T0 + 250, kind: 'abandoned' }, T0 + 260, policy);
    expect(gate(state, T0 + 260, policy)).toEqual({ open: true, probe: true });
    markProbe(state, 3, T0 + 260);
    expect(gate(state, T0 + 260 + policy.probeTimeout - 1, policy).open).toBe(false);
    expect(gate(state, T0 + 260 + policy.probeTimeout, policy)).toEqual({ open: true, probe: true });
  });
});
