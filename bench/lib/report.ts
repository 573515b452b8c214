import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { cell, type Summary } from './stats.js';

/** One line of the benchmark table: our figure beside its anchor's, when there is one. */
export interface Row {
  readonly benchmark: string;
  readonly ours: Summary | undefined;
  /** The same measurement of the anchor (client-go's own elector, the HPA algorithm). */
  readonly anchor?: Summary | undefined;
  /** What the anchor is, shown in the table: a real program, or a model of one (then the word "model" says so). */
  readonly anchorIs?: string;
  readonly unit: string;
  /** How the figure was taken: runs or samples, and what the spread is. */
  readonly over: string;
  /** Values are stored in `unit`; scale only for display. */
  readonly note?: string;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly date: string;
  /** 1-minute load average when the run began: the machine is shared. */
  readonly loadAverageAtStart: number;
  /** The commit the run was on (git rev-parse HEAD), with "-dirty" when the tree had changes outside bench/results/. */
  readonly commit: string;
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changes = execFileSync('git', ['status', '--porcelain', '--', '.', ':!bench/results'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return changes ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    date: new Date().toISOString(),
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    commit: gitCommit(),
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.date.slice(0, 16).replace('T', ' ')} UTC, load average ${m.loadAverageAtStart} at start, commit ${m.commit.slice(0, 12)}${m.commit.endsWith('-dirty') ? ' (dirty)' : ''}`;
}

/** A markdown table (also readable in a terminal). */
export function renderTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'vnf-agent', 'anchor', 'anchor is', 'unit', 'over'];
  const body = rows.map((r) => [r.benchmark, cell(r.ours), r.anchor === undefined ? '' : cell(r.anchor), r.anchorIs ?? '', r.unit, r.over]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([1, 2]);
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
