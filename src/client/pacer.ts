/**
 * The seam between the client and a pacing policy (see src/pacing). The client asks for a permit
 * before each attempt and reports how it went; a pacer decides when sending is safe.
 */
import type { MessageCreateParams, Usage } from '@anthropic-ai/sdk/resources/messages';
import type { RetryBudget } from '../retry/options.js';

export interface PacingRequest {
  readonly model: string;
  readonly params: MessageCreateParams;
  readonly signal: AbortSignal | undefined;
  /** Absolute time (ms since epoch) after which waiting is pointless. */
  readonly deadline: number | undefined;
  /** Which attempt of the call this is, from 1 (a pacer counts first attempts for its retry budget). */
  readonly attempt?: number | undefined;
}

export interface AttemptOutcome {
  /** HTTP status, when an answer arrived. */
  readonly status?: number | undefined;
  readonly headers?: Headers | undefined;
  /** Usage of a successful answer, to correct the estimate. */
  readonly usage?: Usage | undefined;
  readonly error?: unknown;
}

export interface Permit {
  /** Report the attempt's outcome exactly once. */
  settle(outcome: AttemptOutcome): void;
}

export interface Pacer {
  /** Resolves when the request may be sent; rejects on abort or when the wait would pass the deadline. */
  acquire(request: PacingRequest): Permit | Promise<Permit>;
  /** The shared retry budget, if this pacer keeps one. */
  readonly budget?: RetryBudget | undefined;
}
