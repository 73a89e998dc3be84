/**
 * What the results file already holds, read in one streaming pass: the ids that succeeded, the ids
 * that errored, and (for the rare id with more than one line) which of its lines to keep.
 * Memory is one short string per id; the lines themselves are never held.
 */

export type RecordedStatus = 'succeeded' | 'errored' | 'unfinished';

interface Repeat {
  /** Lines seen for this id so far. */
  lines: number;
  /** Which of them (1-based) the compacted file keeps. */
  keep: number;
}

/**
 * The rule when an id has several lines: a `succeeded` line is never thrown away (the first one
 * wins); otherwise the last line wins, since it is the newest attempt.
 */
export class ResultIndex {
  private readonly succeededIds = new Set<string>();
  private readonly erroredIds = new Set<string>();
  /** Lines from the Message Batches API that are neither done nor failed (`canceled`, `expired`). */
  private readonly unfinishedIds = new Set<string>();
  private readonly repeats = new Map<string, Repeat>();

  statusOf(id: string): RecordedStatus | undefined {
    if (this.succeededIds.has(id)) return 'succeeded';
    if (this.erroredIds.has(id)) return 'errored';
    if (this.unfinishedIds.has(id)) return 'unfinished';
    return undefined;
  }

  /** Notes one more line for `id`, in file order. */
  record(id: string, status: RecordedStatus): void {
    const previous = this.statusOf(id);
    if (previous === undefined) {
      this.setStatus(id, status);
      return;
    }
    const repeat = this.repeats.get(id) ?? { lines: 1, keep: 1 };
    repeat.lines++;
    if (previous !== 'succeeded') {
      repeat.keep = repeat.lines;
      this.setStatus(id, status);
    }
    this.repeats.set(id, repeat);
  }

  get succeeded(): number {
    return this.succeededIds.size;
  }

  get errored(): number {
    return this.erroredIds.size;
  }

  /** Ids with more than one line: the file needs compacting to get back to one line per id. */
  get repeated(): number {
    return this.repeats.size;
  }

  /** For compaction: a reader that says, line by line in file order, whether to keep that line. */
  keeper(): (id: string) => boolean {
    const seen = new Map<string, number>();
    return (id) => {
      const repeat = this.repeats.get(id);
      if (!repeat) return true;
      const occurrence = (seen.get(id) ?? 0) + 1;
      seen.set(id, occurrence);
      return occurrence === repeat.keep;
    };
  }

  private setStatus(id: string, status: RecordedStatus): void {
    this.succeededIds.delete(id);
    this.erroredIds.delete(id);
    this.unfinishedIds.delete(id);
    if (status === 'succeeded') this.succeededIds.add(id);
    else if (status === 'errored') this.erroredIds.add(id);
    else this.unfinishedIds.add(id);
  }
}

const STATUS_OF_TYPE: Readonly<Record<string, RecordedStatus>> = {
  succeeded: 'succeeded',
  errored: 'errored',
  canceled: 'unfinished',
  expired: 'unfinished',
};

/** The id and status of a results line, or undefined when the line is not one (torn, or foreign). */
export function parseResultLine(text: string): { id: string; status: RecordedStatus } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { custom_id: id, result } = value as { custom_id?: unknown; result?: { type?: unknown } };
  if (typeof id !== 'string' || typeof result !== 'object' || result === null) return undefined;
  const status = typeof result.type === 'string' ? STATUS_OF_TYPE[result.type] : undefined;
  return status ? { id, status } : undefined;
}
