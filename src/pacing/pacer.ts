/**
 * The default pacer: sends only what the server will accept. Per model it estimates each request's
 * cost, waits in line until the buckets (learned from the `anthropic-ratelimit-*` headers, or
 * stated by the user) hold it, and learns from every answer. 529s and bursts of server errors hold
 * everyone behind a probe; a retry budget caps the share of retries.
 */
import type { AttemptOutcome, Pacer, PacingRequest, Permit } from '../client/pacer.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { classifyError } from '../retry/classify.js';
import { parseRetryAfter } from '../retry/retry-after.js';
import { SlidingRetryBudget } from './budget.js';
import {
  chargedFromUsage,
  estimateCost,
  estimateInputTokens,
  InputScale,
  type RequestCost,
} from './estimate.js';
import { parseRateLimitHeaders } from './headers.js';
import { describeReason, Lane, type LaneHost } from './lane.js';
import { MemoryPacingStore } from './memory-store.js';
import { checkPacingOptions, PACING_DEFAULTS, type PacingOptions, type PacingState } from './options.js';
import type { OutcomeKind } from './overload.js';
import type { PacingStore, SettleResult, StorePolicy, TakeResult, Ticket } from './store.js';

/** Pressure older than this no longer counts: the next wait is news again. */
const QUIET_MS = 5000;

type LaneState = 'normal' | Exclude<PacingState, 'recovered'>;

interface LaneInfo {
  lane: Lane;
  state: LaneState;
  lastPressureAt: number;
}

/** How an attempt ended, in the overload state machine's terms. */
export function outcomeKind(outcome: AttemptOutcome, now: number): OutcomeKind {
  const status = outcome.status;
  if (status !== undefined && status >= 200 && status < 300 && outcome.error === undefined) return 'success';
  if (status === 429) return 'rate_limited';
  if (status === 529) return 'overloaded';
  if (status !== undefined && status >= 500) return 'server_error';
  if (status !== undefined) return 'client_error';
  const kind = classifyError(outcome.error, now).kind;
  if (kind === 'overloaded') return 'overloaded';
  if (kind === 'server_error' || kind === 'stream_interrupted') return 'server_error';
  if (kind === 'connection' || kind === 'timeout') return 'connection';
  if (kind === 'rate_limit') return 'rate_limited';
  return 'abandoned';
}

/** A permit of the default pacer: one object per request, settled at most once. */
class LanePermit implements Permit {
  private settled = false;

  constructor(
    readonly info: LaneInfo,
    readonly ticket: Ticket,
    readonly cost: RequestCost,
    readonly rawInput: number,
    private readonly onSettle: (permit: LanePermit, outcome: AttemptOutcome) => void,
  ) {}

  settle(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettle(this, outcome);
  }
}

export class HeaderAwarePacer implements Pacer {
  readonly budget: SlidingRetryBudget | undefined;
  readonly store: PacingStore;
  private readonly clock: Clock;
  private readonly policy: StorePolicy;
  private readonly maxConcurrency: number;
  private readonly initialConcurrency: number;
  private readonly onStateChange: PacingOptions['onStateChange'];
  private readonly lanes = new Map<string, LaneInfo>();
  private readonly inputScale = new InputScale();
  private readonly host: LaneHost;

  constructor(options: PacingOptions = {}) {
    const overload = checkPacingOptions(options);
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryPacingStore({ clock: this.clock });
    this.policy = { limits: { rpm: options.rpm, itpm: options.itpm, otpm: options.otpm }, overload };
    this.maxConcurrency = options.maxConcurrency ?? PACING_DEFAULTS.maxConcurrency;
    const stated = options.rpm !== undefined || options.itpm !== undefined || options.otpm !== undefined;
    // Limits the user states are as good as headers: no need to creep up to them.
    this.initialConcurrency = stated
      ? this.maxConcurrency
      : Math.min(this.maxConcurrency, options.initialConcurrency ?? PACING_DEFAULTS.initialConcurrency);
    this.onStateChange = options.onStateChange;
    this.budget =
      options.retryBudget === false ? undefined : new SlidingRetryBudget(options.retryBudget, this.clock);
    this.host = {
      store: this.store,
      policy: this.policy,
      clock: this.clock,
      onWait: (lane, denied) => this.noteWait(lane.model, denied),
      onGrant: (lane, granted) => this.noteGrant(lane.model, granted),
    };
  }

  acquire(request: PacingRequest): Permit | Promise<Permit> {
    const { model, params } = request;
    const info = this.laneFor(model);
    const rawInput = estimateInputTokens(params);
    const cost = estimateCost(params, this.inputScale.get(model), rawInput);
    const attempt = request.attempt ?? 1;
    // Most of the time the store says yes at once: no promise then.
    const ticket = info.lane.acquire({ cost, signal: request.signal, deadline: request.deadline, attempt });
    if (ticket instanceof Promise)
      return ticket.then((t) => this.permitFor(info, t, cost, rawInput, attempt));
    return this.permitFor(info, ticket, cost, rawInput, attempt);
  }

  private permitFor(
    info: LaneInfo,
    ticket: Ticket,
    cost: RequestCost,
    rawInput: number,
    attempt: number,
  ): Permit {
    if (attempt === 1) this.budget?.recordRequest();
    return new LanePermit(info, ticket, cost, rawInput, this.settlePermit);
  }

  private readonly settlePermit = (permit: LanePermit, outcome: AttemptOutcome): void =>
    this.settle(permit.info, permit.ticket, permit.cost, permit.rawInput, outcome);

  /** Requests waiting in line for `model` (for progress displays and tests). */
  waiting(model: string): number {
    return this.lanes.get(model)?.lane.waiting ?? 0;
  }

  private laneFor(model: string): LaneInfo {
    let info = this.lanes.get(model);
    if (!info) {
      info = {
        lane: new Lane(model, this.host, this.initialConcurrency),
        state: 'normal',
        lastPressureAt: 0,
      };
      this.lanes.set(model, info);
    }
    return info;
  }

  private settle(
    info: LaneInfo,
    ticket: Ticket,
    cost: RequestCost,
    rawInput: number,
    outcome: AttemptOutcome,
  ): void {
    const { lane } = info;
    const now = this.clock.now();
    const kind = outcomeKind(outcome, now);
    // Usage comes with a success, and with a stream that broke after the 200 (billed for what it wrote).
    const charged =
      kind === 'rate_limited' || kind === 'client_error' ? undefined : chargedFromUsage(outcome.usage);
    if (charged) this.inputScale.observe(lane.model, rawInput, charged.inputTokens);
    // A retry the overload gate will hold adds no load: it must not spend the budget.
    const gated =
      kind === 'overloaded' ||
      (info.state === 'overloaded' && (kind === 'server_error' || kind === 'connection'));
    if (gated) this.budget?.excuseNextRetry();
    const readings = parseRateLimitHeaders(outcome.headers);
    const retryAfterMs = kind === 'rate_limited' ? parseRetryAfter(outcome.headers, now) : undefined;
    if (kind === 'rate_limited') {
      info.lastPressureAt = now;
      this.enter(
        info,
        'throttled',
        `the server answered 429${retryAfterMs === undefined ? '' : ` (retry-after ${Math.round(retryAfterMs)} ms)`}; the limiter lowered its estimate`,
      );
    }
    const inFlight = lane.inFlight;
    const report = { ticket, cost, outcome: kind, charged, readings, retryAfterMs };
    // The slot is freed only once the store has learned from the answer, so the next request is
    // judged with what this one taught (a 529 must stop it).
    if (this.store.settleSync) {
      try {
        this.learn(info, kind, this.store.settleSync(lane.model, report, this.policy), inFlight);
      } finally {
        lane.release();
      }
      return;
    }
    this.store.settle(lane.model, report, this.policy).then(
      (result) => {
        this.learn(info, kind, result, inFlight);
        lane.release();
      },
      // The store could not record it: the next answer's headers will correct the picture.
      () => lane.release(),
    );
  }

  private learn(info: LaneInfo, kind: OutcomeKind, result: SettleResult, inFlight: number): void {
    const { lane } = info;
    if (result.unexplained429) {
      // The headers do not say which limit: back off the in-flight cap (AIMD) until answers come back.
      lane.allowed = Math.max(1, Math.floor(inFlight / 2));
    } else if (kind === 'success') {
      if (result.learned && !lane.everLearned) {
        lane.everLearned = true;
        lane.allowed = this.maxConcurrency;
      } else lane.allowed = Math.min(this.maxConcurrency, lane.allowed + 1);
    }
    if (result.change?.state === 'overloaded') this.enter(info, 'overloaded', result.change.detail);
    if (result.change?.state === 'recovered') this.recover(info, result.change.detail);
  }

  private noteWait(model: string, denied: Extract<TakeResult, { granted: false }>): void {
    const info = this.laneFor(model);
    if (denied.reason === 'overloaded') {
      this.enter(info, 'overloaded', 'another client found the server overloaded; holding requests');
      return;
    }
    info.lastPressureAt = this.clock.now();
    if (info.state === 'normal') {
      this.enter(
        info,
        'paced',
        `held to the ${describeReason(denied)}: requests wait their turn instead of drawing 429s`,
      );
    }
  }

  private noteGrant(model: string, granted: Extract<TakeResult, { granted: true }>): void {
    const info = this.laneFor(model);
    if (info.state === 'overloaded' && !granted.probe) {
      this.recover(info, 'another client saw the server recover');
    } else if (
      info.state !== 'overloaded' &&
      info.state !== 'normal' &&
      this.clock.now() - info.lastPressureAt > QUIET_MS
    ) {
      info.state = 'normal';
    }
  }

  private enter(info: LaneInfo, state: LaneState, detail: string): void {
    if (info.state === state || (info.state === 'overloaded' && state !== 'normal')) return;
    info.state = state;
    this.onStateChange?.({ model: info.lane.model, state: state as PacingState, detail });
  }

  private recover(info: LaneInfo, detail: string): void {
    if (info.state !== 'overloaded') return;
    info.state = 'normal';
    this.onStateChange?.({ model: info.lane.model, state: 'recovered', detail });
  }
}

/** The default pacer with these options (see PacingOptions). */
export function createPacer(options: PacingOptions = {}): HeaderAwarePacer {
  return new HeaderAwarePacer(options);
}
