/**
 * What a person sees while a batch runs: on a terminal, a live bar (cli-progress) with done/total,
 * rate, ETA, retries, 429s and the pacing state; elsewhere (a log file, CI), one plain line every
 * few seconds. Bad input lines are shown as they are found, the first few in full.
 */
import cliProgress from 'cli-progress';
import type { BatchEvent } from './types.js';

export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY: boolean;
}

export interface ProgressState {
  /** Lines this run should handle, when known: input lines minus those already recorded. */
  work: number | undefined;
  /** Lines handled in this run (results written, duplicates refused). */
  done: number;
  succeeded: number;
  errored: number;
  skipped: number;
  retries: number;
  rateLimited: number;
  pacing: string | undefined;
  elapsedMs: number;
}

const SHOWN_PROBLEMS = 20;

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** One line of progress, without the bar. */
export function describeProgress(state: ProgressState): string {
  const rate = state.elapsedMs > 0 ? (state.done * 1000) / state.elapsedMs : 0;
  const parts: string[] = [];
  if (state.work !== undefined) {
    const percent = state.work > 0 ? Math.floor((state.done / state.work) * 100) : 100;
    const left = Math.max(0, state.work - state.done);
    const eta = rate > 0 ? duration((left / rate) * 1000) : '?';
    parts.push(
      `${count(state.done)}/${count(state.work)} (${percent}%)`,
      `${rate.toFixed(1)}/s`,
      `ETA ${eta}`,
    );
  } else {
    parts.push(`${count(state.done)} done`, `${rate.toFixed(1)}/s`);
  }
  parts.push(
    `${count(state.succeeded)} ok, ${count(state.errored)} errored, ${count(state.skipped)} skipped`,
  );
  parts.push(`${count(state.retries)} retries, ${count(state.rateLimited)}x429`);
  if (state.pacing) parts.push(`pacing: ${state.pacing}`);
  return parts.join(' | ');
}

export function progressBar(done: number, work: number | undefined, width = 24): string {
  if (work === undefined || work <= 0) return '';
  const filled = Math.min(width, Math.round((done / work) * width));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] `;
}

export interface ProgressOptions {
  /** Between two plain lines when the output is not a terminal. @default 5000 */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export class BatchProgress {
  private readonly started: number;
  private readonly now: () => number;
  private total: number | undefined;
  private alreadyDone = 0;
  private problems = 0;
  private state: Omit<ProgressState, 'elapsedMs' | 'work'> = {
    done: 0,
    succeeded: 0,
    errored: 0,
    skipped: 0,
    retries: 0,
    rateLimited: 0,
    pacing: undefined,
  };
  private readonly multibar: cliProgress.MultiBar | undefined;
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: ProgressOutput,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    if (out.isTTY) {
      this.multibar = new cliProgress.MultiBar({
        // cli-progress only needs write() and isTTY from a stream (readline adds the escape codes).
        stream: out as unknown as NodeJS.WritableStream,
        format: () => `${progressBar(this.state.done, this.work())}${this.status()}`,
        hideCursor: true,
        gracefulExit: false,
        fps: 5,
      });
      this.bar = this.multibar.create(1, 0);
    } else {
      this.timer = setInterval(
        () => this.out.write(`[batch] ${this.status()}\n`),
        options.intervalMs ?? 5000,
      );
      this.timer.unref();
    }
  }

  handle(event: BatchEvent): void {
    switch (event.type) {
      case 'start':
        this.total = event.total;
        this.alreadyDone = event.recorded.succeeded + (event.retryErrored ? 0 : event.recorded.errored);
        break;
      case 'total':
        this.total = event.total;
        break;
      case 'result':
        this.state.done++;
        if (event.outcome === 'succeeded') this.state.succeeded++;
        else this.state.errored++;
        this.state.retries += event.remote?.retries ?? 0;
        this.state.rateLimited += event.remote?.rateLimited ?? 0;
        break;
      case 'skipped':
        this.state.skipped++;
        break;
      case 'problem':
        if (event.duplicate) this.state.done++;
        this.reportProblem(event.line, event.message);
        break;
      case 'client':
        if (event.event.type === 'retry') this.state.retries++;
        else if (event.event.type === 'response' && event.event.status === 429) this.state.rateLimited++;
        else if (event.event.type === 'pacing') {
          this.state.pacing = event.event.state === 'recovered' ? undefined : event.event.state;
        }
        break;
      case 'stopping':
        break;
    }
    this.bar?.update(this.state.done);
  }

  /** Prints a message without breaking the live bar. */
  log(text: string): void {
    if (this.multibar) this.multibar.log(text.endsWith('\n') ? text : `${text}\n`);
    else this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Stops the bar or the periodic line (the final summary is the caller's). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.multibar?.stop();
  }

  private work(): number | undefined {
    if (this.total === undefined) return undefined;
    // Ids recorded earlier but missing from this input would make the estimate too small.
    return Math.max(this.state.done, this.total - this.alreadyDone);
  }

  /** The current progress line (what the bar or the periodic line shows). */
  status(): string {
    return describeProgress({ ...this.state, work: this.work(), elapsedMs: this.now() - this.started });
  }

  private reportProblem(line: number, message: string): void {
    this.problems++;
    if (this.problems <= SHOWN_PROBLEMS) this.log(`line ${line}: ${message}`);
    else if (this.problems === SHOWN_PROBLEMS + 1) {
      this.log(
        'More bad lines follow (not shown): bad lines are recorded as errored results, type invalid_request_error.',
      );
    }
  }
}
