/**
 * The first look at each input line, shared by the single-process and the queued batch: a repeated
 * custom_id and an id already recorded are reported and dropped, an invalid line is reported, and
 * what is left is to be sent.
 */
import type { InputItem } from './input.js';
import type { RecordedStatus, ResultIndex } from './result-index.js';
import { duplicateMessage } from './source.js';
import type { Tally } from './tally.js';
import type { BatchEvent } from './types.js';

export type Verdict =
  | { readonly action: 'drop' }
  | { readonly action: 'invalid'; readonly item: Extract<InputItem, { kind: 'invalid' }> }
  | {
      readonly action: 'send';
      readonly item: Extract<InputItem, { kind: 'request' }>;
      readonly recorded: RecordedStatus | undefined;
    };

export class InputTriage {
  /** The line that first used each id: later lines with it are duplicates. */
  private readonly firstLineOf = new Map<string, number>();

  constructor(
    private readonly index: ResultIndex,
    private readonly tally: Tally,
    private readonly retryErrored: boolean,
    private readonly emit: (event: BatchEvent) => void,
  ) {}

  judge(item: InputItem): Verdict {
    const first = this.firstLineOf.get(item.customId);
    if (first !== undefined) {
      this.tally.duplicates++;
      const message = duplicateMessage(item.customId, first);
      this.emit({ type: 'problem', customId: item.customId, line: item.line, message, duplicate: true });
      return { action: 'drop' };
    }
    this.firstLineOf.set(item.customId, item.line);
    const recorded = this.index.statusOf(item.customId);
    if (recorded === 'succeeded' || (recorded === 'errored' && !this.retryErrored)) {
      this.tally.skip(recorded);
      this.emit({ type: 'skipped', customId: item.customId, line: item.line, recorded });
      return { action: 'drop' };
    }
    if (item.kind === 'invalid') {
      this.emit({
        type: 'problem',
        customId: item.customId,
        line: item.line,
        message: item.message,
        duplicate: false,
      });
      return { action: 'invalid', item };
    }
    return { action: 'send', item, recorded };
  }
}
