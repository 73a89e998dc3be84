/**
 * Overload as a shared signal. A 529 (or a burst of 5xx and dropped connections) puts a model in the
 * `overloaded` state: from then on one probe request at a time is let through, at growing intervals,
 * and everyone else waits. The first probe that gets an answer ends the state for all.
 * Plain data and pure steps, so a shared store can run them atomically.
 */

export interface OverloadPolicy {
  /** Wait before the first probe, in ms. */
  readonly firstProbeDelay: number;
  /** Longest wait between probes, in ms (the delay doubles up to it). */
  readonly maxProbeDelay: number;
  /** A probe without an answer after this long no longer blocks the next one, in ms. */
  readonly probeTimeout: number;
  /** Outcomes older than this are forgotten when judging a burst of failures, in ms. */
  readonly failureWindow: number;
  /** A burst of failures means: at least this many... */
  readonly minFailures: number;
  /** ...and at least this share of the recent outcomes. */
  readonly failureShare: number;
}

export const DEFAULT_OVERLOAD_POLICY: OverloadPolicy = {
  firstProbeDelay: 250,
  maxProbeDelay: 1000,
  probeTimeout: 60_000,
  failureWindow: 10_000,
  minFailures: 5,
  failureShare: 0.5,
};

/** How many recent outcomes are remembered. */
const RECENT = 20;

export interface OverloadState {
  overloaded: boolean;
  /** When the current (or last) overload began. */
  since: number;
  /** When the last overload ended: failures of requests sent before it are old news. */
  recoveredAt: number;
  /** The probe in flight (its ticket seq), 0 when none. */
  probeSeq: number;
  probeSentAt: number;
  probeDelay: number;
  nextProbeAt: number;
  /** Recent outcomes, oldest first: the last RECENT count (older ones are dropped in batches). */
  recent: { at: number; failed: boolean }[];
}

export type OutcomeKind =
  | 'success'
  | 'rate_limited'
  | 'client_error'
  | 'overloaded'
  | 'server_error'
  | 'connection'
  /** The caller gave up while the request was out (abort, its own timeout): the server may have charged it. */
  | 'abandoned'
  /** Let through but never sent (the caller left first). */
  | 'unsent';

export function initialOverloadState(): OverloadState {
  return {
    overloaded: false,
    since: 0,
    recoveredAt: Number.NEGATIVE_INFINITY,
    probeSeq: 0,
    probeSentAt: 0,
    probeDelay: 0,
    nextProbeAt: 0,
    recent: [],
  };
}

export type Gate = { open: true; probe: boolean } | { open: false; waitMs: number };

/** May a request go now, and is it a probe? */
/** The answer on every request while the server is not overloaded: made once. */
const OPEN: Gate = Object.freeze({ open: true, probe: false });

export function gate(state: OverloadState, now: number, policy: OverloadPolicy): Gate {
  if (!state.overloaded) return OPEN;
  const probeBusy = state.probeSeq !== 0 && now - state.probeSentAt < policy.probeTimeout;
  // While a probe is out there is no telling when it will answer: check again after a probe delay
  // (its answer wakes the waiters sooner).
  if (probeBusy) return { open: false, waitMs: Math.max(1, state.probeDelay) };
  if (now < state.nextProbeAt) return { open: false, waitMs: state.nextProbeAt - now };
  return { open: true, probe: true };
}

export function markProbe(state: OverloadState, seq: number, now: number): void {
  state.probeSeq = seq;
  state.probeSentAt = now;
}

export interface OverloadChange {
  state: 'overloaded' | 'recovered';
  detail: string;
}

/** Removes the first `count` items in place (no array of the removed ones, as splice would build). */
function dropFirst<T>(items: T[], count: number): void {
  for (let i = count; i < items.length; i++) items[i - count] = items[i] as T;
  items.length -= count;
}

/** Records how a request (sent at `sentAt`, ticket `seq`) ended; returns the state change, if any. */
export function recordOutcome(
  state: OverloadState,
  outcome: { seq: number; sentAt: number; kind: OutcomeKind },
  now: number,
  policy: OverloadPolicy,
): OverloadChange | undefined {
  const { seq, sentAt, kind } = outcome;
  const isProbe = state.overloaded && seq === state.probeSeq;
  if (kind === 'abandoned' || kind === 'unsent') {
    if (isProbe) state.probeSeq = 0; // let the next waiter probe at once
    return undefined;
  }
  const failed = kind === 'overloaded' || kind === 'server_error' || kind === 'connection';
  const { recent } = state;
  recent.push({ at: now, failed });
  // Only the last RECENT count; the older ones go twenty at a time, not one per answer.
  let stale = recent.length >= 2 * RECENT ? recent.length - RECENT : 0;
  while (stale < recent.length && now - (recent[stale] as { at: number }).at > policy.failureWindow) stale++;
  if (stale > 0) dropFirst(recent, stale);

  if (state.overloaded) {
    // Only answers to requests sent during the overload (probes) say anything about it.
    if (sentAt < state.since) return undefined;
    if (!failed) {
      state.overloaded = false;
      state.recoveredAt = now;
      state.probeSeq = 0;
      state.recent = [];
      return { state: 'recovered', detail: `the server answered again after ${formatMs(now - state.since)}` };
    }
    if (isProbe) {
      state.probeSeq = 0;
      state.probeDelay = Math.min(policy.maxProbeDelay, state.probeDelay * 2);
      state.nextProbeAt = now + state.probeDelay;
    }
    return undefined;
  }

  if (!failed || sentAt < state.recoveredAt) return undefined;
  const counted = state.recent.slice(-RECENT);
  const failures = counted.filter((o) => o.failed).length;
  const burst = failures >= policy.minFailures && failures >= policy.failureShare * counted.length;
  if (kind !== 'overloaded' && !burst) return undefined;
  state.overloaded = true;
  state.since = now;
  state.probeSeq = 0;
  state.probeDelay = policy.firstProbeDelay;
  state.nextProbeAt = now + policy.firstProbeDelay;
  const why =
    kind === 'overloaded'
      ? 'the server answered 529 overloaded'
      : `${failures} of the last ${counted.length} requests failed with server or connection errors`;
  return {
    state: 'overloaded',
    detail: `${why}; holding requests, probing from ${formatMs(policy.firstProbeDelay)}`,
  };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
