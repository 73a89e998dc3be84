/** Defaults of the distributed batch, apart from the code that loads BullMQ (so the CLI can show them cheaply). */
export const WORKER_DEFAULTS = {
  concurrency: 8,
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  maxStalledCount: 2,
} as const;
