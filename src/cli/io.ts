/**
 * What a command gets from the outside world, so commands are plain functions that tests call
 * directly. Every write goes through a redactor: the API key never reaches the terminal.
 */

export interface Output {
  write(text: string): void;
  /** True when a person is watching (a TTY): progress bars and colour make sense. */
  readonly isTTY: boolean;
}

export interface CliIO {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborts on Ctrl-C. */
  readonly signal: AbortSignal;
  /**
   * Aborts on a second Ctrl-C. For commands that stop gracefully on the first (batch: finish what is
   * in flight) and need a harder stop on the second.
   */
  readonly forceSignal?: AbortSignal;
}

const REDACTED = '[redacted]';

/** Replaces every secret (of 8 characters or more) in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** An output that scrubs the given secrets from everything written through it. */
export function redactingOutput(target: Output, secrets: () => readonly string[]): Output {
  return {
    get isTTY() {
      return target.isTTY;
    },
    write: (text) => target.write(redact(text, secrets())),
  };
}

export function processIO(signal: AbortSignal, forceSignal?: AbortSignal): CliIO {
  const wrap = (stream: NodeJS.WriteStream): Output => ({
    isTTY: Boolean(stream.isTTY),
    write: (text) => {
      stream.write(text);
    },
  });
  return {
    stdout: wrap(process.stdout),
    stderr: wrap(process.stderr),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal,
    ...(forceSignal ? { forceSignal } : {}),
  };
}
