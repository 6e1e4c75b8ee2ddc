/**
 * Measuring helpers for the side-by-side benchmark: CPU seconds of live processes from
 * /proc, CPU seconds of an exited child via the shell's `times`, medians, machine facts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a live process, in seconds (10 ms resolution at CLK_TCK 100). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export function totalCpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
}

export interface ChildRun {
  seconds: number;
  cpuSeconds: number;
  code: number;
  output: string;
}

/**
 * Runs a command to completion and reports its wall time and the user+system CPU
 * seconds of it and its descendants (bash's `times`, second line, after `wait`).
 */
export async function runMeasured(command: string, args: string[], env: NodeJS.ProcessEnv, timesFile: string): Promise<ChildRun> {
  const script = '"$@"; rc=$?; times > "$0"; exit $rc';
  const started = process.hrtime.bigint();
  const child = spawn('bash', ['-c', script, timesFile, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = readFileSync(timesFile, 'utf8').trim().split('\n');
  rmSync(timesFile, { force: true });
  const children = (lines[1] ?? '').trim().split(/\s+/).map(parseBashTime);
  return { seconds, cpuSeconds: children.reduce((a, b) => a + b, 0), code, output };
}

/** `1m2.345s` -> 62.345 */
function parseBashTime(text: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

export function median(values: number[]): number {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}


function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { env: { ...process.env, AWS_CA_BUNDLE: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .split('\n')[0]!
      .trim();
  } catch (err) {
    return `unavailable (${(err as Error).message.split('\n')[0]})`;
  }
}

export function machineInfo(natsBinary: string, repoRoot: string): Record<string, string> {
  const cpuinfo = (() => {
    try {
      return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
    } catch {
      return cpus()[0]?.model ?? 'unknown';
    }
  })();
  let s3rverVersion = 'unknown';
  try {
    s3rverVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/s3rver/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // leave unknown
  }
  return {
    date: new Date().toISOString(),
    nproc: firstLine('nproc', []),
    cpu: cpuinfo,
    node: process.version,
    'nats-server': firstLine(natsBinary, ['--version']),
    rclone: firstLine('rclone', ['version']),
    s3rver: s3rverVersion,
    commit: firstLine('git', ['-C', repoRoot, 'describe', '--always', '--dirty']),
  };
}

/** Min, median and max of a tool's runs. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spreadOf(values: number[]): Spread {
  return values.length === 0 ? { min: NaN, median: NaN, max: NaN } : { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/**
 * How `a` compares with `b` where more is better: ahead or behind only when the medians differ by more
 * than both spreads (max − min), else within the noise of the runs.
 */
export function compareSpreads(a: Spread, b: Spread): 'ahead' | 'behind' | 'within spread' {
  const margin = Math.max(a.max - a.min, b.max - b.min);
  if (a.median - b.median > margin) return 'ahead';
  if (b.median - a.median > margin) return 'behind';
  return 'within spread';
}

/** A spread of a quantity where less is better (CPU), turned so that more is better. */
export function negated(x: Spread): Spread {
  return { min: -x.max, median: -x.median, max: -x.min };
}
