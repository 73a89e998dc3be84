/** The in-process PacingStore: one plain-data state per model; each step runs synchronously, so atomically. */
import { type Clock, systemClock } from '../internal/clock.js';
import type { RequestCost } from './estimate.js';
import { type ModelState, newModelState, settleStep, takeStep } from './steps.js';
import type { PacingStore, SettleReport, SettleResult, StorePolicy, TakeResult } from './store.js';

export class MemoryPacingStore implements PacingStore {
  private readonly clock: Clock;
  private readonly models = new Map<string, ModelState>();

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** A copy of a model's state, for tests and diagnostics. */
  inspect(model: string): ModelState | undefined {
    const state = this.models.get(model);
    return state === undefined ? undefined : structuredClone(state);
  }

  async take(model: string, cost: RequestCost, policy: StorePolicy): Promise<TakeResult> {
    return this.takeSync(model, cost, policy);
  }

  async settle(model: string, report: SettleReport, policy: StorePolicy): Promise<SettleResult> {
    return this.settleSync(model, report, policy);
  }

  readonly takeSync = (model: string, cost: RequestCost, policy: StorePolicy): TakeResult =>
    takeStep(this.stateOf(model), cost, policy, this.clock.now());

  readonly settleSync = (model: string, report: SettleReport, policy: StorePolicy): SettleResult =>
    settleStep(this.stateOf(model), report, policy, this.clock.now());

  private stateOf(model: string): ModelState {
    let state = this.models.get(model);
    if (!state) {
      state = newModelState();
      this.models.set(model, state);
    }
    return state;
  }
}
