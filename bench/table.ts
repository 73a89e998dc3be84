/** Plain-text tables for the benchmark's results. */

export interface Row {
  contender: string;
  succeeded: number;
  failed: number;
  elapsedMs: number;
  efficiency: number | undefined;
  rateLimitedPerSuccess: number;
  duringOverload: number | undefined;
  afterRecovery: { actualMs: number; idealMs: number } | undefined;
  timedOut: boolean;
  failures: string[];
  overheadVsBare?: number;
  /** Half-width of the 95% interval of overheadVsBare. */
  overheadWithin?: number;
  cpuPerRequestUs?: number;
  /** The bare SDK's CPU per request in the same rounds and process (machines drift between runs). */
  bareCpuPerRequestUs?: number | undefined;
  cpuVsBare?: number;
  cpuWithin?: number;
}

function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

export function formatTable(rows: readonly Row[], kind: 'burst' | 'overhead'): string[] {
  if (kind === 'overhead') {
    const percent = (x: number | undefined, within: number | undefined) =>
      `${(x ?? 0) >= 0 ? '+' : ''}${((x ?? 0) * 100).toFixed(1)}% ± ${((within ?? 0) * 100).toFixed(1)}`;
    return table(
      ['client', 'ok', 'failed', 'mean elapsed', 'vs bare SDK', 'client CPU/request', 'vs bare SDK'],
      rows.map((r) => [
        r.contender,
        String(r.succeeded),
        String(r.failed),
        `${(r.elapsedMs / 1000).toFixed(3)} s`,
        percent(r.overheadVsBare, r.overheadWithin),
        `${Math.round(r.cpuPerRequestUs ?? 0)} us${r.bareCpuPerRequestUs === undefined ? '' : ` (bare ${Math.round(r.bareCpuPerRequestUs)})`}`,
        percent(r.cpuVsBare, r.cpuWithin),
      ]),
    );
  }
  const withOverload = rows.some((r) => r.duringOverload !== undefined);
  const header = ['client', 'ok', 'failed', 'elapsed', 'efficiency', '429/ok', 'in 529 window'];
  if (withOverload) header.push('after/ideal');
  const lines = table(
    header,
    rows.map((r) => {
      const cells = [
        r.contender,
        String(r.succeeded),
        String(r.failed),
        `${(r.elapsedMs / 1000).toFixed(2)} s${r.timedOut ? ' (limit)' : ''}`,
        r.efficiency === undefined ? '-' : r.efficiency.toFixed(3),
        r.rateLimitedPerSuccess.toFixed(3),
        r.duringOverload === undefined ? '-' : String(r.duringOverload),
      ];
      if (withOverload) {
        const a = r.afterRecovery;
        cells.push(a && a.idealMs > 0 ? (a.actualMs / a.idealMs).toFixed(2) : '-');
      }
      return cells;
    }),
  );
  for (const r of rows) {
    if (r.failures.length > 0) lines.push(`  ${r.contender} failures, e.g.: ${r.failures.join(' | ')}`);
  }
  return lines;
}
