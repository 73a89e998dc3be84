/**
 * The in-flight ledger: what we sent and when, so that a header's `remaining` (computed by the
 * server when it admitted one request) can be brought up to date. Requests we sent after that one
 * were not yet charged in it; requests we sent before it, whose answers had not come back when it
 * left, may or may not have been.
 */

import type { RequestCost } from './estimate.js';
import type { Dimension } from './headers.js';

export interface LedgerEntry {
  seq: number;
  sentAt: number;
  /** What the server is believed to hold against this request now (the reservation until settled). */
  net: RequestCost;
  /** When its answer (or failure) came back; undefined while in flight. */
  settledAt: number | undefined;
  /** Its charge was folded into the learned buckets: it has surely reached the server. */
  folded: boolean;
}

/** A request whose answer never came back is forgotten after this long. */
export const LEDGER_TTL_MS = 10 * 60_000;

/**
 * A request out longer than this is too old to learn from: the ledger no longer keeps what was sent
 * after it for its reading (see `prune`), so its answer's headers are not read (see settleStep). A
 * reading that old says little anyway: the bucket has refilled many times since.
 */
export const READING_HORIZON_MS = 60_000;

export function costIn(dimension: Dimension, cost: RequestCost): number {
  switch (dimension) {
    case 'requests':
      return cost.requests;
    case 'input-tokens':
      return cost.inputTokens;
    case 'output-tokens':
      return cost.outputTokens;
    case 'tokens':
      return cost.inputTokens + cost.outputTokens;
  }
}

export interface Unaccounted {
  /** Sent after the request (charged after it if the wire kept the order): for the upper bound. */
  after: number;
  /** Everything that might have been charged after it (reordering included): for the lower bound. */
  possiblyAfter: number;
}

/** What a reading taken when request `seq` (sent at `sentAt`) was admitted does not yet show. */
export function unaccounted(
  ledger: readonly LedgerEntry[],
  dimension: Dimension,
  seq: number,
  sentAt: number,
): Unaccounted {
  let after = 0;
  let possiblyAfter = 0;
  for (const entry of ledger) {
    if (entry.seq === seq) continue;
    const amount = costIn(dimension, entry.net);
    if (entry.seq > seq) {
      after += amount;
      possiblyAfter += amount;
    } else if (entry.settledAt === undefined || entry.settledAt >= sentAt) {
      // Sent earlier but still on its way when this one left: it may have arrived second.
      possiblyAfter += amount;
    }
  }
  return { after, possiblyAfter };
}

/**
 * Drops entries no future reading can need: settled ones whose answer came back before the oldest
 * request in flight (within the reading horizon) was sent, and anything older than the TTL. A request
 * out longer than the horizon (a process killed mid-request, in a shared store) stays until the TTL
 * but holds nothing else back, so the ledger stays as short as the traffic of the last minute.
 *
 * The ledger is in the order requests were sent, so only entries before the oldest request in flight
 * can go: every later one was sent after it, hence answered after it was sent, and is younger than
 * the horizon. Most answers leave that prefix empty, and then nothing is scanned past the first entry.
 */
export function prune(ledger: LedgerEntry[], now: number): void {
  let end = 0;
  while (end < ledger.length) {
    const entry = ledger[end] as LedgerEntry;
    if (entry.settledAt === undefined && now - entry.sentAt <= READING_HORIZON_MS) break;
    end++;
  }
  if (end === 0) return;
  const oldestInFlight = ledger[end];
  let kept = 0;
  for (let i = 0; i < end; i++) {
    const entry = ledger[i] as LedgerEntry;
    const settledEarly =
      entry.settledAt !== undefined &&
      (oldestInFlight === undefined || entry.settledAt < oldestInFlight.sentAt);
    if (!settledEarly && now - entry.sentAt <= LEDGER_TTL_MS) ledger[kept++] = entry;
  }
  if (kept === end) return;
  // Close the gap in place (splice would also build an array of what it removed).
  for (let i = end; i < ledger.length; i++) ledger[kept++] = ledger[i] as LedgerEntry;
  ledger.length = kept;
}

/** The entry of ticket `seq`, if the ledger still has it (entries are in `seq` order). */
export function entryOf(ledger: readonly LedgerEntry[], seq: number): LedgerEntry | undefined {
  let low = 0;
  let high = ledger.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const entry = ledger[middle] as LedgerEntry;
    if (entry.seq === seq) return entry;
    if (entry.seq < seq) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** Charges of requests in flight that may not have reached the server yet. */
export function pendingIn(ledger: readonly LedgerEntry[], dimension: Dimension): number {
  let total = 0;
  for (const entry of ledger) {
    if (entry.settledAt === undefined && !entry.folded) total += costIn(dimension, entry.net);
  }
  return total;
}
