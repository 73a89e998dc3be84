/** Typed events a client emits, and a tiny emitter for them. */
import type { FailureKind } from '../retry/classify.js';
import type { GiveUpEvent, RetryEvent } from '../retry/options.js';

export interface ClientEventMap {
  /** An attempt is about to be sent. */
  request: { model: string; attempt: number };
  /** An attempt got an HTTP answer (success or error). */
  response: {
    model: string;
    attempt: number;
    status: number;
    requestId: string | undefined;
    durationMs: number;
  };
  /** An attempt failed and another will follow after `delay` ms. */
  retry: RetryEvent & { model: string };
  /** The call failed for good. */
  giveUp: GiveUpEvent & { model: string; kind: FailureKind | undefined };
  /** Pacing changed state (see pacing/). */
  pacing: { model: string; state: 'paced' | 'throttled' | 'overloaded' | 'recovered'; detail: string };
  /** The shared pacing store (Redis) was lost and this process paces alone (`local`), or it is back (`shared`). */
  store: { state: 'local' | 'shared'; detail: string };
}

export type ClientEventType = keyof ClientEventMap;
export type ClientEvent = { [K in ClientEventType]: { type: K } & ClientEventMap[K] }[ClientEventType];
export type Listener<K extends ClientEventType> = (event: { type: K } & ClientEventMap[K]) => void;

export class EventHub {
  private readonly listeners = new Map<ClientEventType, Set<(event: ClientEvent) => void>>();

  constructor(private readonly onEvent?: (event: ClientEvent) => void) {}

  on<K extends ClientEventType>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const wrapped = listener as unknown as (event: ClientEvent) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  /** Whether anyone hears events of this type (an `onEvent` callback hears all). */
  listens(type: ClientEventType): boolean {
    return this.onEvent !== undefined || (this.listeners.get(type)?.size ?? 0) > 0;
  }

  emit<K extends ClientEventType>(type: K, payload: ClientEventMap[K]): void {
    if (!this.listens(type)) return;
    const event = { type, ...payload } as ClientEvent;
    this.onEvent?.(event);
    const set = this.listeners.get(type);
    if (set) for (const listener of set) listener(event);
  }
}
