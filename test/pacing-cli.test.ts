import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addApiFlags, pacingOptionsFrom } from '../src/cli/api-flags.js';
import { ExitCode } from '../src/cli/exit-codes.js';
import { buildProgram, type ProgramContext, runCli } from '../src/cli/program.js';
import { captureIO } from './support/io.js';

function parse(argv: string[]) {
  const command = addApiFlags(new Command('t').exitOverride().argument('[prompt]'));
  command.parse(argv, { from: 'user' });
  return pacingOptionsFrom(command.opts());
}

describe('pacing flags', () => {
  it.each([
    [[], {}],
    [['--no-pacing'], false],
    [['--rpm', '60'], { rpm: 60 }],
    [['--itpm', '40000', '--otpm', '8000'], { itpm: 40_000, otpm: 8000 }],
    [['--concurrency', '4', 'hello'], { maxConcurrency: 4 }],
  ] as [string[], unknown][])('%j -> %j', (argv, expected) => {
    expect(parse(argv)).toEqual(expected);
  });

  it('refuses a bad number, naming the flag, with exit code 2', async () => {
    const io = captureIO({ ANTHROPIC_API_KEY: 'sk-test' });
    expect(await runCli(['--rpm', '0', 'hi'], io)).toBe(ExitCode.Usage);
    expect(io.err()).toContain('--rpm expects a whole number of 1 or more, got "0".');
  });

  it('leaves the subcommands their own --rpm and --concurrency', async () => {
    const seen: Record<string, unknown> = {};
    for (const argv of [
      ['mock-server', '--rpm', '60'],
      ['demo', '--rpm', '30'],
      ['batch', 'in.jsonl', '-o', 'out.jsonl', '--concurrency', '3', '--rpm', '7'],
    ]) {
      const context: ProgramContext = { io: captureIO() };
      const program = buildProgram(context);
      program.hook('preAction', (_, action) => {
        seen[action.name()] = action.opts();
      });
      await program.parseAsync(argv, { from: 'user' });
    }
    expect(seen['mock-server']).toMatchObject({ rpm: 60 });
    expect(seen.demo).toMatchObject({ rpm: 30 });
    expect(seen.batch).toMatchObject({ concurrency: 3, rpm: 7, pacing: true });
  });
});
