/**
 * `etl run` end to end, as a user runs it: a fresh process per file, a fresh local root. Where the
 * time goes comes from the process's wall clock, the execution's duration and the state events the
 * execution history recorded (`etl executions show --json`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { ROOT } from './paths';

const ETL = path.join(ROOT, 'bin', 'etl.js');

/** One `etl run` of one file. */
export interface EndToEndRun {
  readonly wallMs: number;
  /** The execution, from its start to its end (the run result's `durationMs`). */
  readonly executionMs: number;
  readonly status: string;
  readonly rowsIn: number | null;
  readonly rowsOut: number | null;
  readonly duplicatesRemoved: number | null;
  readonly malformedRows: number | null;
  /** Time in each state entered, in order (a state entered twice is summed). */
  readonly states: readonly { readonly name: string; readonly ms: number }[];
}

interface HistoryEvent {
  readonly type: string;
  readonly timestamp: string;
  readonly state: string | null;
}

function runCli(args: readonly string[]): { stdout: string; ms: number; status: number | null; stderr: string } {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, ['--no-warnings', ETL, ...args], { cwd: ROOT, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  return { stdout: result.stdout, stderr: result.stderr, ms: performance.now() - t0, status: result.status };
}

/** `etl --help`: a process start plus loading the CLI and the local runtime, nothing run. */
export function cliStartMs(): number {
  const { ms, status, stderr } = runCli(['--help']);
  if (status !== 0) throw new Error(`etl --help failed: ${stderr}`);
  return ms;
}

/** Runs `etl run <file> --json` in a fresh process and root, then reads the execution's events. */
export function runEndToEnd(file: string, workDir: string): EndToEndRun {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  try {
    const run = runCli(['run', file, '--root', workDir, '--json']);
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (!line.startsWith('{')) throw new Error(`etl run printed no result (exit ${run.status}): ${run.stderr.slice(0, 500)}`);
    const result = JSON.parse(line) as Record<string, unknown>;
    const shown = runCli(['executions', 'show', String(result.executionName), '--root', workDir, '--json']);
    const events = (JSON.parse(shown.stdout) as { events: HistoryEvent[] }).events;
    return {
      wallMs: run.ms,
      executionMs: Number(result.durationMs),
      status: String(result.status),
      rowsIn: result.rowsIn as number | null,
      rowsOut: result.rowsOut as number | null,
      duplicatesRemoved: result.duplicatesRemoved as number | null,
      malformedRows: result.malformedRows as number | null,
      states: stateDurations(events),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function stateDurations(events: readonly HistoryEvent[]): { name: string; ms: number }[] {
  const durations: { name: string; ms: number }[] = [];
  const entered = new Map<string, number>();
  for (const event of events) {
    if (!event.state) continue;
    const at = Date.parse(event.timestamp);
    if (event.type === 'StateEntered') entered.set(event.state, at);
    if (event.type === 'StateExited' || event.type === 'StateFailed') {
      const start = entered.get(event.state);
      if (start === undefined) continue;
      const known = durations.find((d) => d.name === event.state);
      if (known) known.ms += at - start;
      else durations.push({ name: event.state, ms: at - start });
    }
  }
  return durations;
}
