/** Helpers for batch tests: temporary folders, input files, and reading results back. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  file(name: string): string;
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'claude-retry-batch-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    write: async (name, text) => {
      await writeFile(join(path, name), text);
      return join(path, name);
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** `count` request lines `{"custom_id":"r001","params":{...}}` whose replies echo `reply r001`. */
export function requestLines(count: number, prefix = 'r'): string {
  let text = '';
  for (let i = 1; i <= count; i++) {
    const id = `${prefix}${String(i).padStart(3, '0')}`;
    text += `${JSON.stringify({ custom_id: id, params: { messages: [{ role: 'user', content: `echo: reply ${id}` }] } })}\n`;
  }
  return text;
}

export interface ResultLine {
  custom_id: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests look into arbitrary result payloads.
  result: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  claude_retry: any;
}

/** Every line of a results file, parsed; fails the test on a line that is not whole JSON. */
export async function readResults(path: string): Promise<ResultLine[]> {
  const text = await readFile(path, 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${path} does not end with a newline`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as ResultLine);
}

/** How many lines each custom_id has. */
export function linesPerId(results: readonly ResultLine[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.custom_id, (counts.get(r.custom_id) ?? 0) + 1);
  return counts;
}
