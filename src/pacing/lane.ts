/**
 * One model's waiting line: first come, first served. Only the head asks the store; everyone behind
 * it waits without polling. A waiter leaves the line when let through, when its signal aborts, or as
 * soon as it is clear its deadline will pass first.
 */
import { RetryError } from '../errors.js';
import { abortReason, type Clock } from '../internal/clock.js';
import type { RequestCost } from './estimate.js';
import type { PacingStore, StorePolicy, TakeResult, Ticket } from './store.js';

type Denied = Extract<TakeResult, { granted: false }>;
type Granted = Extract<TakeResult, { granted: true }>;

export interface LaneHost {
  readonly store: PacingStore;
  readonly policy: StorePolicy;
  readonly clock: Clock;
  /** The head has to wait (for events). */
  onWait(lane: Lane, denied: Denied): void;
  /** A request was let through. */
  onGrant(lane: Lane, granted: Granted, waited: boolean): void;
}

export interface LaneRequest {
  readonly cost: RequestCost;
  readonly signal: AbortSignal | undefined;
  readonly deadline: number | undefined;
  /** The attempt about to be made (for the error's attempt count). */
  readonly attempt: number;
}

interface Waiter extends LaneRequest {
  resolve(ticket: Ticket): void;
  reject(error: unknown): void;
  done: boolean;
  waited: boolean;
  detach(): void;
}

export class Lane {
  inFlight = 0;
  /** In-flight cap now: grows from the initial concurrency as answers come back. */
  allowed: number;
  /** Whether the limits have been learned once (the cap then jumps to the maximum). */
  everLearned = false;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private wakeUp: (() => void) | undefined;
  /** A wake-up that came while the head was asking the store: the next idle returns at once. */
  private pendingWake = false;
  /** A caller is asking the store outside the line (see tryAtOnce): newcomers queue meanwhile. */
  private deciding = false;

  constructor(
    readonly model: string,
    private readonly host: LaneHost,
    initialAllowed: number,
  ) {
    this.allowed = initialAllowed;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** A ticket at once when the store can say yes straight away, else a promise of one. */
  acquire(request: LaneRequest): Ticket | Promise<Ticket> {
    if (request.signal?.aborted) return Promise.reject(abortReason(request.signal));
    if (this.queue.length === 0 && !this.pumping && !this.deciding && this.inFlight < this.allowed) {
      return this.tryAtOnce(request);
    }
    return this.wait(request);
  }

  /**
   * The common case, without joining the line: nobody is waiting, so ask the store straight away.
   * If the request must wait after all, it goes to the FRONT of the line: it came before anyone who
   * queued while the store was deciding.
   */
  private tryAtOnce(request: LaneRequest): Ticket | Promise<Ticket> {
    const { store } = this.host;
    if (store.takeSync) {
      // The store answers at once: decide now, with no window in which others must queue.
      this.inFlight++;
      let result: TakeResult;
      try {
        result = store.takeSync(this.model, request.cost, this.host.policy);
      } catch (error) {
        this.inFlight--;
        return Promise.reject(error);
      }
      if (!result.granted) {
        this.inFlight--;
        return this.wait(request, true);
      }
      this.host.onGrant(this, result, false);
      return result.ticket;
    }
    this.inFlight++;
    this.deciding = true;
    const decided = (result: TakeResult): Ticket | Promise<Ticket> => {
      this.deciding = false;
      if (!result.granted) {
        this.inFlight--;
        return this.wait(request, true);
      }
      if (request.signal?.aborted) {
        this.inFlight--;
        void this.giveBack(result, request.cost);
        throw abortReason(request.signal);
      }
      this.host.onGrant(this, result, false);
      return result.ticket;
    };
    const failed = (error: unknown): never => {
      this.deciding = false;
      this.inFlight--;
      throw error;
    };
    return this.host.store.take(this.model, request.cost, this.host.policy).then(decided, failed);
  }

  private wait(request: LaneRequest, first = false): Promise<Ticket> {
    return new Promise<Ticket>((resolve, reject) => {
      const waiter: Waiter = { ...request, resolve, reject, done: false, waited: false, detach: () => {} };
      const onAbort = () => this.drop(waiter, abortReason(request.signal as AbortSignal));
      request.signal?.addEventListener('abort', onAbort, { once: true });
      waiter.detach = () => request.signal?.removeEventListener('abort', onAbort);
      if (first) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.wake();
    });
  }

  /** An answer came back: a slot is free and the store may have more room. */
  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.wake();
  }

  /** Something changed: let the head look again. */
  wake(): void {
    if (this.queue.length === 0) return;
    if (!this.pumping) void this.pump();
    else if (this.wakeUp) this.wakeUp();
    else this.pendingWake = true;
  }

  private drop(waiter: Waiter, error: unknown): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.detach();
    const at = this.queue.indexOf(waiter);
    if (at >= 0) this.queue.splice(at, 1);
    waiter.reject(error);
    if (at === 0 && this.pumping) this.wake();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0] as Waiter;
        if (this.inFlight >= this.allowed) {
          await this.idle(undefined);
          continue;
        }
        this.inFlight++; // held while the store decides, so a second caller cannot slip past the cap
        let result: TakeResult;
        try {
          const { store, policy } = this.host;
          result = store.takeSync
            ? store.takeSync(this.model, head.cost, policy)
            : await store.take(this.model, head.cost, policy);
        } catch (error) {
          this.inFlight--;
          this.drop(head, error);
          continue;
        }
        if (!result.granted) {
          this.inFlight--;
          head.waited = true;
          this.host.onWait(this, result);
          const untilDeadline = this.rejectLate(result);
          // A shared store's state also changes in other processes: look again at least every pollMs.
          await this.idle(
            Math.min(result.waitMs, untilDeadline, this.host.store.pollMs ?? Number.POSITIVE_INFINITY),
          );
          continue;
        }
        if (head.done) {
          // Its caller left while the store was deciding: hand the reservation back unused.
          this.inFlight--;
          void this.giveBack(result, head.cost);
          continue;
        }
        head.done = true;
        head.detach();
        this.queue.shift();
        this.host.onGrant(this, result, head.waited);
        head.resolve(result.ticket);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Rejects every waiter whose deadline the wait will pass. A known wait (a bucket) is at least as
   * long for those behind the head; an overload's length is unknown, so there a waiter is let go
   * only when its deadline has come. Returns ms until the nearest remaining deadline.
   */
  private rejectLate(denied: Denied): number {
    const now = this.host.clock.now();
    const knownWait = denied.reason !== 'overloaded';
    let nearest = Number.POSITIVE_INFINITY;
    for (const waiter of [...this.queue]) {
      if (waiter.deadline === undefined) continue;
      const late = knownWait ? now + denied.waitMs > waiter.deadline : now >= waiter.deadline;
      if (late) this.drop(waiter, this.deadlineError(waiter, denied, now));
      else nearest = Math.min(nearest, waiter.deadline - now);
    }
    return nearest;
  }

  private deadlineError(waiter: Waiter, denied: Denied, now: number): RetryError {
    const left = Math.max(0, Math.round((waiter.deadline ?? now) - now));
    const what =
      denied.reason === 'overloaded'
        ? `The API is overloaded (HTTP 529) and did not recover before the deadline of this call`
        : `Waiting ${Math.round(denied.waitMs)} ms for the ${describeReason(denied)} of ${this.model} would pass the deadline of this call (${left} ms left)`;
    return new RetryError(
      `${what}; the attempt was not sent. Allow a longer deadline, or send less at once.`,
      {
        reason: 'deadline',
        attempts: Math.max(0, waiter.attempt - 1),
        cause: undefined,
        retryAt: new Date(now + denied.waitMs),
      },
    );
  }

  private async giveBack(result: Granted, cost: RequestCost): Promise<void> {
    try {
      await this.host.store.settle(
        this.model,
        { ticket: result.ticket, cost, outcome: 'unsent', readings: {} },
        this.host.policy,
      );
    } catch {
      // Nothing to give back then; the reservation expires with the ledger.
    }
  }

  /** Waits `ms` (undefined: until woken), or less when woken by a release, an answer or an abort. */
  private idle(ms: number | undefined): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const controller = new AbortController();
      const done = () => {
        if (this.wakeUp === done) this.wakeUp = undefined;
        controller.abort();
        resolve();
      };
      this.wakeUp = done;
      if (ms !== undefined && Number.isFinite(ms)) {
        this.host.clock.sleep(Math.max(0, ms), controller.signal).then(done, () => {});
      }
    });
  }
}

/** "requests limit (2400 per minute)", "overload probe"... */
export function describeReason(denied: Pick<Denied, 'reason' | 'limit'>): string {
  const per = denied.limit === undefined ? '' : ` (${denied.limit} per minute)`;
  switch (denied.reason) {
    case 'overloaded':
      return 'overload probe';
    case 'retry-after':
      return "server's retry-after";
    case 'rpm':
      return `stated requests limit${per}`;
    case 'itpm':
      return `stated input-token limit${per}`;
    case 'otpm':
      return `stated output-token limit${per}`;
    case 'tokens':
      return `token limit${per}`;
    default:
      return `${denied.reason.replace('-tokens', '-token')} limit${per}`;
  }
}
