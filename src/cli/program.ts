/**
 * The command line: flags are parsed here, then handed to plain command functions. Each command
 * returns an exit code; errors are turned into one clear message by reportError.
 */
import { Command, CommanderError } from 'commander';
import { registerBatch } from './commands/batch.js';
import { registerDemo } from './commands/demo.js';
import { registerMockServer } from './commands/mock-server.js';
import { registerPrompt } from './commands/prompt.js';
import { registerWorker } from './commands/worker.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { type CliIO, redactingOutput } from './io.js';
import { reportError } from './report-error.js';
import { VERSION } from './version.js';

/** Something each subcommand module provides. */
export type CommandRunner = (io: CliIO) => Promise<ExitCodeValue>;

export interface ProgramContext {
  io: CliIO;
  /** Set by the action that commander picked. */
  run?: CommandRunner;
}

export type CommandRegistrar = (program: Command, context: ProgramContext) => void;

/** Every subcommand, one module each; the default (prompt) command comes first. */
const commands: CommandRegistrar[] = [
  registerPrompt,
  registerDemo,
  registerMockServer,
  registerBatch,
  registerWorker,
];

export function buildProgram(context: ProgramContext): Command {
  const program = new Command('claude-retry')
    .description(
      'Call Claude so that rate limits, overloads and network faults never cost a request.\n' +
        'With no command: send one prompt and print the reply, retrying as needed.',
    )
    .version(VERSION, '-V, --version')
    // Options after a subcommand's name are the subcommand's: `mock-server --rpm 60` sets the
    // simulated limit, not the pacing limit the top-level prompt command also calls --rpm.
    .enablePositionalOptions()
    .showHelpAfterError('(run claude-retry --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    });
  for (const register of commands) register(program, context);
  return program;
}

/** Runs the CLI with `argv` (without node and the script path) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<ExitCodeValue> {
  const secrets: string[] = [];
  const safeIO: CliIO = {
    ...io,
    stdout: redactingOutput(io.stdout, () => secrets),
    stderr: redactingOutput(io.stderr, () => secrets),
  };
  const keyFlag = argv.findIndex((a) => a === '--api-key' || a.startsWith('--api-key='));
  if (keyFlag >= 0) {
    const value = argv[keyFlag]?.includes('=')
      ? argv[keyFlag]?.split('=').slice(1).join('=')
      : argv[keyFlag + 1];
    if (value) secrets.push(value);
  }
  if (io.env.ANTHROPIC_API_KEY) secrets.push(io.env.ANTHROPIC_API_KEY);

  const context: ProgramContext = { io: safeIO };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
    }
    return fail(error, safeIO, argv);
  }
  if (!context.run) return ExitCode.Success;
  try {
    return await context.run(safeIO);
  } catch (error) {
    return fail(error, safeIO, argv);
  }
}

function fail(error: unknown, io: CliIO, argv: readonly string[]): ExitCodeValue {
  const report = reportError(error);
  io.stderr.write(`Error: ${report.message}\n`);
  if (argv.includes('--debug') && error instanceof Error && report.exitCode === ExitCode.Internal) {
    io.stderr.write(`${error.stack ?? ''}\n`);
  }
  return report.exitCode;
}
