import { describe, expect, it } from 'vitest';
import {
  entryOf,
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

/** The rule `prune` implements, applied to every entry: what it must keep, in order. */
function keptByRule(ledger: readonly LedgerEntry[], now: number): number[] {
  const oldestInFlight = ledger.find(
    (e) => e.settledAt === undefined && now - e.sentAt <= READING_HORIZON_MS,
  );
  return ledger
    .filter((e) => {
      const settledEarly =
        e.settledAt !== undefined && (oldestInFlight === undefined || e.settledAt < oldestInFlight.sentAt);
      return !settledEarly && now - e.sentAt <= LEDGER_TTL_MS;
    })
    .map((e) => e.seq);
}

describe('prune, looking only before the oldest request in flight', () => {
  it('keeps exactly what the rule keeps, on random ledgers of requests sent in order', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 500; run++) {
      const ledger: LedgerEntry[] = [];
      let sentAt = 0;
      for (let seq = 1; seq <= 1 + Math.floor(random() * 30); seq++) {
        // Now and then a long gap, so some requests pass the horizon or the TTL.
        sentAt += random() < 0.05 ? LEDGER_TTL_MS * random() : 1000 * random();
        const settledAt = random() < 0.6 ? sentAt + 5000 * random() : undefined;
        ledger.push(entry(seq, sentAt, settledAt));
      }
      const now = sentAt + READING_HORIZON_MS * random();
      const expected = keptByRule(ledger, now);
      prune(ledger, now);
      expect(ledger.map((e) => e.seq)).toEqual(expected);
    }
  });

  it('leaves the ledger as it is while its first request is still in flight', () => {
    const ledger = [entry(1, 0), entry(2, 10, 15), entry(3, 20, 30)];
    prune(ledger, 40);
    expect(ledger.map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});

describe('entryOf', () => {
  it('finds an entry by its ticket wherever it sits, and nothing for a ticket no longer kept', () => {
    const ledger = [entry(2, 0), entry(3, 1), entry(7, 2), entry(8, 3), entry(12, 4)];
    for (const seq of [2, 3, 7, 8, 12]) expect(entryOf(ledger, seq)?.seq).toBe(seq);
    for (const seq of [1, 5, 9, 13]) expect(entryOf(ledger, seq)).toBeUndefined();
    expect(entryOf([], 1)).toBeUndefined();
  });
});
