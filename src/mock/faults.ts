import { seededRandom } from './random.js';
import type { FaultOptions, ScriptedStep, StreamInterruption } from './types.js';

const KINDS: readonly StreamInterruption['kind'][] = ['error', 'reset', 'stall'];

function checkRate(name: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
    throw new TypeError(`faults.${name} must be a number between 0 and 1, got ${String(value)}`);
  }
}

/** Throws a `TypeError` naming the first invalid field of a stream interruption. */
export function checkInterruption(where: string, interruption: StreamInterruption): void {
  if (!KINDS.includes(interruption.kind)) {
    throw new TypeError(`${where}.kind must be one of ${KINDS.join(', ')}, got ${String(interruption.kind)}`);
  }
  const after = interruption.afterEvents;
  if (after !== undefined && !(Number.isInteger(after) && after >= 0)) {
    throw new TypeError(`${where}.afterEvents must be a non-negative integer, got ${String(after)}`);
  }
  const bytes = interruption.afterBytes;
  if (bytes !== undefined && !(Number.isInteger(bytes) && bytes >= 0)) {
    throw new TypeError(`${where}.afterBytes must be a non-negative integer, got ${String(bytes)}`);
  }
  if (bytes !== undefined && interruption.kind === 'error') {
    throw new TypeError(
      `${where}.afterBytes applies to reset and stall only: an event: error always arrives whole`,
    );
  }
}

/** Throws a `TypeError` naming the first invalid option. */
export function checkFaultOptions(faults: FaultOptions): void {
  checkRate('errorRate', faults.errorRate);
  checkRate('resetRate', faults.resetRate);
  checkRate('streamInterruptionRate', faults.streamInterruptionRate);
  faults.overloadWindows?.forEach((window, i) => {
    const { startMs, endMs } = window;
    if (!(Number.isFinite(startMs) && Number.isFinite(endMs) && startMs >= 0 && endMs > startMs)) {
      throw new TypeError(
        `faults.overloadWindows[${i}] must have 0 <= startMs < endMs, got ${startMs}-${String(endMs)}`,
      );
    }
  });
  if (faults.streamInterruption) checkInterruption('faults.streamInterruption', faults.streamInterruption);
  const latency = faults.latencyMs;
  if (latency !== undefined && !(Number.isFinite(latency) && latency >= 0)) {
    throw new TypeError(`faults.latencyMs must be a non-negative number, got ${String(latency)}`);
  }
}

/** What chance decided for one request that reached the random-fault stage. */
export interface FaultDraw {
  reset: boolean;
  error: boolean;
  /** Applied only if the request streams. */
  interruption: StreamInterruption | undefined;
}

/**
 * The fault plan and its seeded dice. Every request that reaches the random stage rolls all three
 * dice, so changing one rate never shifts the outcomes of the others for the same request sequence.
 */
export class FaultPlan {
  private faults: FaultOptions = {};
  private readonly random: () => number;

  constructor(faults: FaultOptions, seed: number) {
    this.random = seededRandom(seed);
    this.set(faults);
  }

  set(faults: FaultOptions): void {
    checkFaultOptions(faults);
    this.faults = { ...faults, overloadWindows: [...(faults.overloadWindows ?? [])] };
  }

  get shouldRetryHeader(): boolean {
    return this.faults.shouldRetryHeader === true;
  }

  get latencyMs(): number | undefined {
    return this.faults.latencyMs;
  }

  /** Whether `elapsedMs` since server start falls inside an overload window. */
  overloadedAt(elapsedMs: number): boolean {
    return (this.faults.overloadWindows ?? []).some((w) => elapsedMs >= w.startMs && elapsedMs < w.endMs);
  }

  draw(): FaultDraw {
    const reset = this.random() < (this.faults.resetRate ?? 0);
    const error = this.random() < (this.faults.errorRate ?? 0);
    const interrupt = this.random() < (this.faults.streamInterruptionRate ?? 0);
    return {
      reset,
      error,
      interruption: interrupt ? (this.faults.streamInterruption ?? { kind: 'error' }) : undefined,
    };
  }
}

/** Scripted answers, served in order to POST /v1/messages requests. */
export class Script {
  private readonly steps: ScriptedStep[] = [];

  push(steps: readonly ScriptedStep[]): void {
    steps.forEach((step, i) => {
      if (step === 'ok' || 'reset' in step) return;
      if ('stream' in step) checkInterruption(`steps[${i}].stream`, step.stream);
      else if (!(Number.isInteger(step.status) && step.status >= 400 && step.status <= 599)) {
        throw new TypeError(
          `steps[${i}].status must be an integer from 400 to 599, got ${String(step.status)}`,
        );
      }
    });
    this.steps.push(...steps);
  }

  /**
   * The step for the next request, removed from the queue. A `stream` step waits at the head of
   * the queue for a streamed request: a non-streamed request passes it by and gets normal treatment.
   */
  take(streaming: boolean): ScriptedStep | undefined {
    const head = this.steps[0];
    if (head === undefined) return undefined;
    if (typeof head === 'object' && 'stream' in head && !streaming) return undefined;
    return this.steps.shift();
  }

  get length(): number {
    return this.steps.length;
  }
}
