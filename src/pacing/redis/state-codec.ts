/**
 * One model's pacing state as the JSON string kept in Redis. JSON has no Infinity, yet the state uses
 * it (a bucket's capacity before a reset time bounds it, "never recovered" in the overload state), so
 * the infinities travel as marker strings. No field of ModelState is a string, so no real value can
 * be mistaken for a marker.
 */
import { type ModelState, newModelState } from '../steps.js';

const POSITIVE = '+Inf';
const NEGATIVE = '-Inf';

export function encodeState(state: ModelState): string {
  return JSON.stringify(state, (_key, value: unknown) =>
    value === Number.POSITIVE_INFINITY ? POSITIVE : value === Number.NEGATIVE_INFINITY ? NEGATIVE : value,
  );
}

/** The state from its stored form; an empty string (no key yet) is a fresh state. */
export function decodeState(stored: string): ModelState {
  if (stored === '') return newModelState();
  const state = JSON.parse(stored, (_key, value: unknown) =>
    value === POSITIVE ? Number.POSITIVE_INFINITY : value === NEGATIVE ? Number.NEGATIVE_INFINITY : value,
  ) as ModelState;
  if (typeof state !== 'object' || state === null || !Array.isArray(state.ledger)) {
    throw new Error('the stored pacing state is not in the expected form');
  }
  return state;
}
