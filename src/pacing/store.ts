/**
 * The narrow interface between the pacing logic and its state. Each operation is ONE atomic step on
 * one model's state, with the store's own clock, so the state can live in this process
 * (MemoryPacingStore) or be shared by many processes (a Redis store running one Lua script per step).
 */
import type { RequestCost } from './estimate.js';
import type { Dimension, RateLimitSnapshot } from './headers.js';
import type { OutcomeKind, OverloadChange, OverloadPolicy } from './overload.js';

/** Limits a user states, per minute; they apply on top of whatever the server says. */
export interface StatedLimits {
  readonly rpm?: number | undefined;
  readonly itpm?: number | undefined;
  readonly otpm?: number | undefined;
}

/** What every step needs to know about the policy (passed each time so a shared store holds no config). */
export interface StorePolicy {
  readonly limits: StatedLimits;
  readonly overload: OverloadPolicy;
}

/** Proof that a request was let through: settle it with the same ticket. */
export interface Ticket {
  readonly seq: number;
  /** The store's clock when the request was let through. */
  readonly sentAt: number;
}

/** Why a request must wait: a server limit, a stated limit, the overload gate, or a 429's retry-after. */
export type WaitReason = Dimension | keyof StatedLimits | 'overloaded' | 'retry-after';

export type TakeResult =
  | {
      readonly granted: true;
      readonly ticket: Ticket;
      /** This request is the overload probe. */
      readonly probe: boolean;
      /** Whether the server's limits are known (from headers) or stated. */
      readonly learned: boolean;
    }
  | {
      readonly granted: false;
      /** How long until it may go, as far as the store can tell now. */
      readonly waitMs: number;
      readonly reason: WaitReason;
      /** The per-minute limit behind `reason`, when it is a limit. */
      readonly limit: number | undefined;
      readonly learned: boolean;
    };

export interface SettleReport {
  readonly ticket: Ticket;
  /** What was reserved by `take`. */
  readonly cost: RequestCost;
  readonly outcome: OutcomeKind;
  /** What the server says it charged (from `usage`), for a success. */
  readonly charged?: { readonly inputTokens: number; readonly outputTokens: number } | undefined;
  /** The answer's rate-limit headers (empty when it had none). */
  readonly readings: RateLimitSnapshot;
  /** For a 429: the server's retry-after, in ms. */
  readonly retryAfterMs?: number | undefined;
}

export interface SettleResult {
  readonly learned: boolean;
  /** A 429 that the headers do not explain (no reading was short): the caller should back off. */
  readonly unexplained429: boolean;
  /** The overload state changed. */
  readonly change: OverloadChange | undefined;
}

export interface PacingStore {
  /**
   * For a store shared with other processes: they free room without any local event, so a waiting
   * request asks again at least this often (ms). Undefined: only local events change the state.
   */
  readonly pollMs?: number | undefined;
  /**
   * Takes `cost` from the model's buckets and lets the request through, or takes nothing and says
   * how long to wait. Also the overload gate: while overloaded only a probe is let through.
   */
  take(model: string, cost: RequestCost, policy: StorePolicy): Promise<TakeResult>;
  /**
   * Records how a request ended: refunds what the server did not charge, corrects the estimate
   * from `usage`, learns from the headers, and moves the overload state.
   */
  settle(model: string, report: SettleReport, policy: StorePolicy): Promise<SettleResult>;
  /**
   * The same two steps without a promise, for a store whose state is in this process. The pacer
   * uses them when present: on the common path (nobody waiting) a request then costs no extra
   * turns of the event loop, which is most of what pacing costs on a fast server.
   */
  readonly takeSync?: (model: string, cost: RequestCost, policy: StorePolicy) => TakeResult;
  readonly settleSync?: (model: string, report: SettleReport, policy: StorePolicy) => SettleResult;
}
