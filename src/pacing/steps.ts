/**
 * The two atomic steps of the limiter, as pure functions of one model's plain-data state and the
 * store's clock: `takeStep` (let a request through or say how long to wait) and `settleStep` (learn
 * from how it ended). MemoryPacingStore runs them in process; a shared store runs the same logic
 * in one atomic script per step.
 */
import {
  type BucketState,
  chargeStated,
  credit,
  fold,
  statedBucket,
  statedWaitMs,
  waitMs,
} from './bucket.js';
import type { RequestCost } from './estimate.js';
import { DIMENSIONS, type Dimension } from './headers.js';
import { applyReading } from './learn.js';
import {
  costIn,
  entryOf,
  type LedgerEntry,
  pendingIn,
  prune,
  READING_HORIZON_MS,
  unaccounted,
} from './ledger.js';
import { gate, initialOverloadState, markProbe, type OverloadState, recordOutcome } from './overload.js';
import type {
  SettleReport,
  SettleResult,
  StatedLimits,
  StorePolicy,
  TakeResult,
  WaitReason,
} from './store.js';

type StatedKey = keyof StatedLimits;
const STATED: Record<StatedKey, Dimension> = { rpm: 'requests', itpm: 'input-tokens', otpm: 'output-tokens' };
const STATED_KEYS = Object.keys(STATED) as StatedKey[];

/** The longest we assume a request takes to reach the server (see `admissionDelay`). */
const MAX_ADMISSION_DELAY_MS = 2000;

/** Everything a store knows about one model. */
export interface ModelState {
  /** Buckets learned from the server's headers. */
  learned: Partial<Record<Dimension, BucketState>>;
  /** Buckets for limits the user stated. */
  stated: Partial<Record<StatedKey, BucketState>>;
  ledger: LedgerEntry[];
  nextSeq: number;
  /** After a 429 the headers do not explain: nobody sends before this. */
  blockedUntil: number;
  overload: OverloadState;
}

export function newModelState(): ModelState {
  return {
    learned: {},
    stated: {},
    ledger: [],
    nextSeq: 0,
    blockedUntil: 0,
    overload: initialOverloadState(),
  };
}

const ZERO: RequestCost = { requests: 0, inputTokens: 0, outputTokens: 0 };

const NONE: readonly never[] = [];

// These run twice per request: no arrays for the common case of no buckets at all.
function learnedEntries(state: ModelState): readonly [Dimension, BucketState][] {
  return isEmpty(state.learned) ? NONE : (Object.entries(state.learned) as [Dimension, BucketState][]);
}

function statedEntries(state: ModelState): readonly [StatedKey, BucketState][] {
  return isEmpty(state.stated) ? NONE : (Object.entries(state.stated) as [StatedKey, BucketState][]);
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

function isLearned(state: ModelState): boolean {
  return !isEmpty(state.learned) || !isEmpty(state.stated);
}

/**
 * How long a request in flight may take to reach the server before we count its charge as landed.
 * One bucket-length (capacity / rate) at most: a longer assumption would cap throughput below the
 * limit for requests that take long to answer.
 */
function admissionDelay(state: ModelState): number {
  let delay = MAX_ADMISSION_DELAY_MS;
  for (const [, bucket] of learnedEntries(state)) {
    if (bucket.capLow > 0) delay = Math.min(delay, (bucket.capLow * 60_000) / bucket.limit);
  }
  return delay;
}

/** Folds the charges of requests that have been out long enough to have surely arrived. */
function foldLanded(state: ModelState, now: number): void {
  const buckets = learnedEntries(state);
  if (buckets.length === 0) return;
  const delay = admissionDelay(state);
  for (const entry of state.ledger) {
    if (entry.settledAt !== undefined || entry.folded || now - entry.sentAt < delay) continue;
    for (const [dimension, bucket] of buckets) fold(bucket, costIn(dimension, entry.net), now);
    entry.folded = true;
  }
}

/** Creates, replaces or removes stated buckets so they match the policy's limits. */
function syncStated(state: ModelState, limits: StatedLimits, now: number): void {
  // The common case, checked first because it runs on every request: no limits stated, none kept.
  const none = limits.rpm === undefined && limits.itpm === undefined && limits.otpm === undefined;
  if (none && isEmpty(state.stated)) return;
  for (const key of STATED_KEYS) {
    const perMinute = limits[key];
    if (perMinute === undefined) {
      if (state.stated[key]) delete state.stated[key];
    } else if (state.stated[key]?.limit !== perMinute) state.stated[key] = statedBucket(perMinute, now);
  }
}

export function takeStep(state: ModelState, cost: RequestCost, policy: StorePolicy, now: number): TakeResult {
  syncStated(state, policy.limits, now);
  foldLanded(state, now);
  const learned = isLearned(state);
  if (now < state.blockedUntil) {
    return {
      granted: false,
      waitMs: state.blockedUntil - now,
      reason: 'retry-after',
      limit: undefined,
      learned,
    };
  }
  const gated = gate(state.overload, now, policy.overload);
  if (!gated.open)
    return { granted: false, waitMs: gated.waitMs, reason: 'overloaded', limit: undefined, learned };

  if (learned) {
    const worst = longestWait(state, cost, now);
    if (worst) return { granted: false, ...worst, learned };
  }

  for (const [key, bucket] of statedEntries(state)) chargeStated(bucket, costIn(STATED[key], cost), now);
  const ticket = { seq: ++state.nextSeq, sentAt: now };
  state.ledger.push({ seq: ticket.seq, sentAt: now, net: cost, settledAt: undefined, folded: false });
  if (gated.probe) markProbe(state.overload, ticket.seq, now);
  return { granted: true, ticket, probe: gated.probe, learned };
}

/** The longest any bucket says the request must wait, and which; undefined when all hold it. */
function longestWait(
  state: ModelState,
  cost: RequestCost,
  now: number,
): { waitMs: number; reason: WaitReason; limit: number } | undefined {
  let worst: { waitMs: number; reason: WaitReason; limit: number } | undefined;
  const consider = (reason: WaitReason, bucket: BucketState, wait: number) => {
    if (wait > 0 && (!worst || wait > worst.waitMs)) worst = { waitMs: wait, reason, limit: bucket.limit };
  };
  for (const [dimension, bucket] of learnedEntries(state)) {
    const wait = waitMs(bucket, costIn(dimension, cost), pendingIn(state.ledger, dimension), now);
    // Room comes back only as requests in flight land: at the latest when the oldest counts as landed.
    consider(dimension, bucket, wait ?? untilOldestLands(state, now));
  }
  for (const [key, bucket] of statedEntries(state)) {
    consider(key, bucket, statedWaitMs(bucket, costIn(STATED[key], cost), now));
  }
  return worst;
}

function untilOldestLands(state: ModelState, now: number): number {
  const oldest = state.ledger.find((entry) => entry.settledAt === undefined && !entry.folded);
  return oldest === undefined ? 1 : Math.max(1, oldest.sentAt + admissionDelay(state) - now);
}

/** Whether the server admitted (and charged) the request: it answered 200, or said what it billed. */
function admitted(report: SettleReport): boolean {
  return report.outcome === 'success' || report.charged !== undefined;
}

/** What the server keeps charged for a request that ended this way. */
function keptCost(report: SettleReport): RequestCost {
  if (admitted(report)) {
    // A stream broken mid-way is billed for what it wrote: `charged` says so.
    return {
      requests: report.cost.requests,
      inputTokens: report.charged?.inputTokens ?? report.cost.inputTokens,
      outputTokens: report.charged?.outputTokens ?? report.cost.outputTokens,
    };
  }
  switch (report.outcome) {
    case 'connection':
    case 'abandoned':
      return report.cost; // it may have been admitted: assume it was
    default:
      return ZERO; // an error answer, or never sent: nothing was run
  }
}

export function settleStep(
  state: ModelState,
  report: SettleReport,
  policy: StorePolicy,
  now: number,
): SettleResult {
  const { ticket, cost, outcome } = report;
  foldLanded(state, now);
  const kept = keptCost(report);
  const entry = entryOf(state.ledger, ticket.seq);
  for (const [dimension, bucket] of learnedEntries(state)) {
    // Answered, so its charge has landed (or, if already counted as landed, the difference comes back).
    if (entry && !entry.folded) fold(bucket, costIn(dimension, kept), now);
    else if (entry) credit(bucket, costIn(dimension, cost) - costIn(dimension, kept), now);
  }
  for (const [key, bucket] of statedEntries(state)) {
    credit(bucket, costIn(STATED[key], cost) - costIn(STATED[key], kept), now);
  }
  if (entry) {
    entry.net = kept;
    entry.settledAt = now;
    entry.folded = true;
  }

  const limited = outcome === 'rate_limited';
  // Which limits the server said were too low for this request (on a 429, the one that ran out).
  const refused = isEmpty(report.readings) ? NONE : learnFromReadings(state, report, kept, limited, now);
  const unexplained429 = limited && refused.length === 0;
  // The server named a wait without saying which limit ran out: nobody sends before it is over.
  if (unexplained429 && report.retryAfterMs !== undefined) {
    state.blockedUntil = Math.max(state.blockedUntil, now + report.retryAfterMs);
  }
  const change = recordOutcome(
    state.overload,
    { seq: ticket.seq, sentAt: ticket.sentAt, kind: outcome },
    now,
    policy.overload,
  );
  prune(state.ledger, now);
  return { learned: isLearned(state), unexplained429, change };
}

/**
 * Brings the learned buckets up to date with the readings an answer carried; returns the limits
 * whose `remaining` was below what the request needed.
 */
function learnFromReadings(
  state: ModelState,
  report: SettleReport,
  kept: RequestCost,
  limited: boolean,
  now: number,
): readonly Dimension[] {
  const { ticket, cost } = report;
  const refused = DIMENSIONS.filter((d) => {
    const reading = report.readings[d];
    return reading !== undefined && reading.remaining < costIn(d, cost);
  });
  // The ledger kept what a reading this old would need only up to the horizon (see prune).
  if (now - ticket.sentAt > READING_HORIZON_MS) return refused;
  for (const dimension of DIMENSIONS) {
    const reading = report.readings[dimension];
    if (!reading) continue;
    const before = state.learned[dimension];
    // On admission the server charged the real input and the whole max_tokens; the unused output
    // came back when the answer ended, after the reading was taken.
    const wasAdmitted = admitted(report);
    const outputRefund =
      wasAdmitted && (dimension === 'output-tokens' || dimension === 'tokens')
        ? cost.outputTokens - kept.outputTokens
        : 0;
    const refusal =
      limited && refused.length === 1 && refused[0] === dimension && report.retryAfterMs !== undefined
        ? {
            retryAfterMs: report.retryAfterMs,
            need: Math.min(costIn(dimension, cost), before?.capHigh ?? Infinity),
          }
        : undefined;
    const after = applyReading(dimension, before, reading, {
      now,
      sentAt: ticket.sentAt,
      admissionCharge: wasAdmitted ? costIn(dimension, kept) + outputRefund : 0,
      laterRefund: outputRefund,
      unaccounted: unaccounted(state.ledger, dimension, ticket.seq, ticket.sentAt),
      pending: pendingIn(state.ledger, dimension),
      refusal,
    });
    // Refused although we took the bucket to be full enough for a request this big: our idea of
    // "full" was wrong, so wait for the whole request from now on.
    if (limited && refused.includes(dimension) && costIn(dimension, cost) > after.capLow) {
      after.capHigh = Number.POSITIVE_INFINITY;
    }
    state.learned[dimension] = after;
  }
  return refused;
}
