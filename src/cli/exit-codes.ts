/** Exit codes of the `claude-retry` command. Documented in the README; keep the two in step. */
export const ExitCode = {
  /** The request (or every line of a batch) succeeded. */
  Success: 0,
  /** A bug or an unexpected failure. */
  Internal: 1,
  /** Bad flags, arguments or input files. */
  Usage: 2,
  /** No API key, or the key was refused (401, 403). */
  Auth: 3,
  /** Rate limited or overloaded (429, 529) until the retries ran out. */
  RateLimited: 4,
  /** Any other API error (400, 404, 500...). */
  Api: 5,
  /** The server could not be reached, or stopped answering. */
  Network: 6,
  /** A batch finished, but some lines ended as errored results. */
  PartialBatch: 7,
  /** Stopped by Ctrl-C (SIGINT). */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
