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
 * Drops entries no future reading can need: settled ones at the front whose answer came back before
 * the oldest request still in flight was sent, and anything older than the TTL.
 */
export function prune(ledger: LedgerEntry[], now: number): void {
  const oldestInFlight = ledger.find((entry) => entry.settledAt === undefined);
  let drop = 0;
  for (const entry of ledger) {
    const settledEarly =
      entry.settledAt !== undefined &&
      (oldestInFlight === undefined || entry.settledAt < oldestInFlight.sentAt);
    if (settledEarly || now - entry.sentAt > LEDGER_TTL_MS) drop++;
    else break;
  }
  if (drop > 0) ledger.splice(0, drop);
}

/** Charges of requests in flight that may not have reached the server yet. */
export function pendingIn(ledger: readonly LedgerEntry[], dimension: Dimension): number {
  let total = 0;
  for (const entry of ledger) {
    if (entry.settledAt === undefined && !entry.folded) total += costIn(dimension, entry.net);
  }
  return total;
}
