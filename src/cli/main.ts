#!/usr/bin/env node
/**
 * The `claude-retry` executable. Loads the program lazily so a missing dependency (the original
 * guide's "No module named anthropic") becomes advice instead of a stack trace.
 */
import { ExitCode } from './exit-codes.js';

const controller = new AbortController();
const force = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts === 1) controller.abort(new DOMException('Interrupted (Ctrl-C)', 'AbortError'));
  else if (interrupts === 2) {
    // A graceful command (batch) aborts what is in flight and exits by itself; others are cut off
    // after a short grace. A third Ctrl-C exits at once.
    force.abort(new DOMException('Interrupted twice (Ctrl-C)', 'AbortError'));
    setTimeout(() => process.exit(ExitCode.Interrupted), 2000).unref();
  } else process.exit(ExitCode.Interrupted);
});

async function main(): Promise<number> {
  let program: typeof import('./program.js');
  let io: typeof import('./io.js');
  try {
    [program, io] = await Promise.all([import('./program.js'), import('./io.js')]);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write(
        `Error: a package claude-retry needs is not installed (${(error as Error).message.split('\n')[0]}).\n` +
          'Run `npm install` in the claude-retry folder (or reinstall the package) and try again.\n',
      );
      return ExitCode.Internal;
    }
    throw error;
  }
  return program.runCli(process.argv.slice(2), io.processIO(controller.signal, force.signal));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = ExitCode.Internal;
  },
);
