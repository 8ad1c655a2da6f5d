/**
 * The transform comparison: our job (compiled plan + engine layer) against each hand-written
 * single-statement baseline, runs interleaved (job, then every baseline, repeated) so that a
 * change in machine load affects them alike. Each run is a fresh process (see transform-worker.ts).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { BASELINE_VARIANTS } from './baseline-sql';
import { ROOT, WORK_DIR } from './paths';
import { median } from './stats';
import type { TransformRun } from './job-run';

export type { TransformRun } from './job-run';

/** Runs of one contender on one file. */
export interface Contender {
  readonly kind: string;
  readonly runs: readonly TransformRun[];
  /** Every run completed. */
  readonly completed: boolean;
  readonly medianMs: number;
  readonly medianCpuMs: number;
  readonly maxRssBytes: number;
}

/** One file's comparison. */
export interface TransformComparison {
  readonly file: string;
  readonly memoryLimit: string;
  readonly job: Contender;
  readonly baselines: readonly Contender[];
  /** The fastest baseline that completed every run (undefined when none did). */
  readonly best: Contender | undefined;
}

const TSX_CLI = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** One run in a fresh process. */
export function runTransform(kind: string, file: string, memoryLimit: string): TransformRun {
  const child = spawnSync(
    process.execPath,
    ['--no-warnings', TSX_CLI, path.join(ROOT, 'bench', 'transform-worker.ts'), kind, file, path.join(WORK_DIR, `transform-${process.pid}`), memoryLimit],
    {
      cwd: ROOT,
      encoding: 'utf-8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) {
    return { kind, ms: Number.NaN, cpuMs: Number.NaN, maxRssBytes: 0, rowsOut: -1, error: `worker exited ${child.status}: ${child.stderr.slice(-800)}` };
  }
  return JSON.parse(line) as TransformRun;
}

/** The runs of one contender, summarized (medians of the runs that completed). */
export function contender(kind: string, runs: readonly TransformRun[]): Contender {
  const ok = runs.filter((r) => !r.error);
  return {
    kind,
    runs,
    completed: ok.length === runs.length,
    medianMs: median(ok.map((r) => r.ms)),
    medianCpuMs: median(ok.map((r) => r.cpuMs)),
    maxRssBytes: Math.max(0, ...runs.map((r) => r.maxRssBytes)),
  };
}

/**
 * Compares the job with every baseline variant on `file`, `repeats` interleaved rounds. A baseline
 * that fails (out of memory) is not run again.
 */
export function compareTransform(
  file: string,
  memoryLimit: string,
  repeats: number,
  onRun: (run: TransformRun) => void = () => undefined,
): TransformComparison {
  const kinds = ['job', ...BASELINE_VARIANTS.map((v) => `baseline:${v}`)];
  const runs = new Map<string, TransformRun[]>(kinds.map((k) => [k, []]));
  for (let round = 0; round < repeats; round += 1) {
    for (const kind of kinds) {
      const previous = runs.get(kind) as TransformRun[];
      if (previous.some((r) => r.error)) continue;
      const run = runTransform(kind, file, memoryLimit);
      previous.push(run);
      onRun(run);
    }
  }
  const job = contender('job', runs.get('job') as TransformRun[]);
  const baselines = kinds.slice(1).map((k) => contender(k.slice('baseline:'.length), runs.get(k) as TransformRun[]));
  const best = baselines.filter((b) => b.completed).sort((a, b) => a.medianMs - b.medianMs)[0];
  return { file, memoryLimit, job, baselines, best };
}
