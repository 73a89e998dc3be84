import { describe, expect, it } from 'vitest';
import {
  LEDGER_TTL_MS,
  type LedgerEntry,
  pendingIn,
  prune,
  READING_HORIZON_MS,
  unaccounted,
} from './ledger.js';

const cost = (tokens: number) => ({ requests: 1, inputTokens: tokens, outputTokens: 2 * tokens });

function entry(seq: number, sentAt: number, settledAt?: number, folded = false): LedgerEntry {
  return { seq, sentAt, net: cost(seq * 10), settledAt, folded: folded || settledAt !== undefined };
}

describe('unaccounted', () => {
  it('counts later requests for the upper bound, and also earlier ones still out when it left for the lower', () => {
    const ledger = [entry(1, 0, 5), entry(2, 10, 25), entry(3, 20), entry(4, 30), entry(5, 40, 45)];
    // Request 3 left at 20: #1 had answered (before), #2 was still out (maybe after), #4 and #5 are later.
    expect(unaccounted(ledger, 'requests', 3, 20)).toEqual({ after: 2, possiblyAfter: 3 });
    expect(unaccounted(ledger, 'input-tokens', 3, 20)).toEqual({ after: 90, possiblyAfter: 110 });
    expect(unaccounted(ledger, 'tokens', 3, 20)).toEqual({ after: 270, possiblyAfter: 330 });
  });
});

describe('pendingIn', () => {
  it('sums what is in flight and not yet counted as landed', () => {
    const ledger = [entry(1, 0, 5), entry(2, 10), entry(3, 20, undefined, true), entry(4, 30)];
    expect(pendingIn(ledger, 'output-tokens')).toBe(40 + 80);
  });
});

describe('prune', () => {
  it('drops settled entries at the front that answered before the oldest one in flight left', () => {
    const ledger = [entry(1, 0, 5), entry(2, 10, 25), entry(3, 20), entry(4, 30, 31)];
    prune(ledger, 40);
    // #1 answered at 5, before #3 left at 20: gone. #2 answered at 25: a reading of #3 still needs it.
    expect(ledger.map((e) => e.seq)).toEqual([2, 3, 4]);
    const settled = [entry(1, 0, 5), entry(2, 10, 25)];
    prune(settled, 40);
    expect(settled).toEqual([]);
  });

  it('forgets a request that never answered after the TTL', () => {
    const ledger = [entry(1, 0), entry(2, LEDGER_TTL_MS)];
    prune(ledger, LEDGER_TTL_MS + 1);
    expect(ledger.map((e) => e.seq)).toEqual([2]);
  });
});

describe('prune with a request out past the reading horizon', () => {
  it('keeps it until the TTL, but no longer keeps what answered after it was sent', () => {
    // #1 never answered (its process was killed); #2 answered; #3 is in flight now.
    const lost = entry(1, 0);
    const ledger = [lost, entry(2, 10, 20), entry(3, READING_HORIZON_MS + 30)];
    prune(ledger, READING_HORIZON_MS + 40);
    expect(ledger.map((e) => e.seq)).toEqual([1, 3]);
    // Within the horizon the same request still holds #2 back (its reading may need it).
    const recent = [entry(1, 0), entry(2, 10, 20), entry(3, 30)];
    prune(recent, 40);
    expect(recent.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
