/**
 * `etl run` end to end, as a user runs it: a fresh process per file, a fresh local root. Where the
 * time goes comes from the process's wall clock, the execution's duration and the state events the
 * execution history recorded (`etl executions show --json`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { ROOT } from './paths';

const ETL = path.join(ROOT, 'bin', 'etl.js');
/** The CLI bundle's manifest (bin/cli-bundle.js): which bundle a start ran. */
const CLI_MANIFEST = path.join(ROOT, 'node_modules', '.cache', 'etl-cli', 'manifest.json');

function cliBundleName(): string | undefined {
  try {
    return (JSON.parse(readFileSync(CLI_MANIFEST, 'utf-8')) as { bundle?: string }).bundle;
  } catch {
    return undefined;
  }
}

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

function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; ms: number; status: number | null; stderr: string } {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, ['--no-warnings', ETL, ...args], { cwd: ROOT, env, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  return { stdout: result.stdout, stderr: result.stderr, ms: performance.now() - t0, status: result.status };
}

/** How `etl` is started: its bundle (bin/etl.js as users run it), or the sources through tsx (`ETL_CLI_TSX=1`). */
export type CliLoader = 'bundle' | 'tsx';

/**
 * `etl <args>` (`--help`, `--version`): a process start plus loading the CLI and the local runtime,
 * nothing run. Wall time of the whole process, ms.
 */
export function cliStartMs(args: readonly string[] = ['--help'], loader: CliLoader = 'bundle'): number {
  // A start that rebuilt the bundle (a source changed meanwhile: others may be editing the tree) is
  // not a start's time: it is run again, up to three times.
  for (let attempt = 1; ; attempt += 1) {
    const before = cliBundleName();
    const { ms, status, stderr } = runCli(args, loader === 'tsx' ? { ...process.env, ETL_CLI_TSX: '1' } : process.env);
    if (status !== 0) throw new Error(`etl ${args.join(' ')} failed: ${stderr}`);
    if (loader === 'tsx' || cliBundleName() === before || attempt === 3) return ms;
  }
}

/** A bare Node.js process (`node -e 0`), ms: the floor under any CLI start. */
export function nodeStartMs(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t0;
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
