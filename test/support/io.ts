import { PassThrough } from 'node:stream';
import type { CliIO, Output } from '../../src/cli/io.js';

export interface CapturedIO extends CliIO {
  out(): string;
  err(): string;
  controller: AbortController;
}

/** A CliIO that records what a command writes, for in-process CLI tests. */
export function captureIO(env: NodeJS.ProcessEnv = {}, stdin = ''): CapturedIO {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const output = (append: (text: string) => void): Output => ({ isTTY: false, write: append });
  const input = new PassThrough();
  input.end(stdin);
  return {
    stdout: output((t) => {
      stdout += t;
    }),
    stderr: output((t) => {
      stderr += t;
    }),
    stdin: input,
    env,
    cwd: process.cwd(),
    signal: controller.signal,
    controller,
    out: () => stdout,
    err: () => stderr,
  };
}
