/**
 * The fast path (`handlers/transform-in-lambda.ts`): its cold start — the import of its function's
 * esbuild bundle (`handlers/lambda/transform-in-lambda.ts`) as deployed (SDK bundled,
 * `@duckdb/node-api` external), then a DuckDB instance and its first connection — and one
 * invocation of the handler per run on generated files, each in a fresh process
 * (fast-path-worker.ts), over the local FolderBucket: no S3 transfer is in these times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { build } from 'esbuild';

import type { SizeName } from './generate';
import type { BenchConfig, TransformRun } from './job-run';
import { ROOT, WORK_DIR } from './paths';
import { RESULT_MARKER } from './fast-path-worker';
import { LAMBDA_ENV } from './lambda';

/** The handler module the fast path runs. */
export const FAST_PATH_MODULE = path.join(ROOT, 'handlers', 'transform-in-lambda.ts');
/** Its Lambda entry point (the handler wired to S3 and the stack's environment): what a cold start imports. */
export const FAST_PATH_ENTRY = path.join(ROOT, 'handlers', 'lambda', 'transform-in-lambda.ts');

/** One cold start: a fresh process importing the bundle, then creating DuckDB. */
export interface ColdStart {
  readonly importMs: number;
  /** `DuckDBInstance.create(':memory:')` and a first `connect()`: the native library's load and start. */
  readonly instanceMs: number;
}

/** What the bench measured of the fast path, or why not. */
export type FastPathResults =
  | { readonly measured: false; readonly reason: string }
  | {
      readonly measured: true;
      readonly bundleBytes: number;
      readonly coldStarts: readonly ColdStart[];
      readonly memoryLimit: string;
      readonly files: readonly { readonly size: SizeName; readonly bytes: number; readonly runs: readonly TransformRun[] }[];
    };

/** Why the fast path cannot be measured in this tree, if it cannot. */
export function fastPathMissing(): string | undefined {
  return existsSync(FAST_PATH_MODULE) ? undefined : `${path.relative(ROOT, FAST_PATH_MODULE)} is not in this tree`;
}

/** Bundles the function's entry point as a deploy does and times `coldStarts` fresh imports of it. */
export async function measureColdStart(outDir: string, coldStarts: number): Promise<{ bundleBytes: number; coldStarts: ColdStart[] }> {
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, 'transform-in-lambda.js');
  await build({
    entryPoints: [existsSync(FAST_PATH_ENTRY) ? FAST_PATH_ENTRY : FAST_PATH_MODULE],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    external: ['@duckdb/node-api'],
    outfile,
    logLevel: 'error',
  });
  const script =
    `const h = () => process.hrtime.bigint(); const t0 = h(); require(${JSON.stringify(outfile)}); const t1 = h();` +
    `const { DuckDBInstance } = require('@duckdb/node-api');` +
    `DuckDBInstance.create(':memory:').then((i) => i.connect()).then(() => { const t2 = h();` +
    `process.stdout.write(JSON.stringify({ importMs: Number(t1 - t0) / 1e6, instanceMs: Number(t2 - t1) / 1e6 })); process.exit(0); });`;
  const runs: ColdStart[] = [];
  for (let i = 0; i < coldStarts; i += 1) {
    const env = { ...process.env, ...LAMBDA_ENV, AWS_LAMBDA_FUNCTION_NAME: 'etl-transform-in-lambda', NODE_PATH: path.join(ROOT, 'node_modules') };
    const child = spawnSync(process.execPath, ['-e', script], { cwd: outDir, env, encoding: 'utf-8' });
    if (child.status !== 0) throw new Error(`importing ${outfile} failed: ${child.stderr}`);
    runs.push(JSON.parse(child.stdout) as ColdStart);
  }
  return { bundleBytes: statSync(outfile).size, coldStarts: runs };
}

const TSX_CLI = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** One invocation of the handler on `file`, in a fresh process (under the config `variant`, job-run.ts). */
export function runFastPath(file: string, memoryLimit: string, variant: BenchConfig = 'strict'): TransformRun {
  const child = spawnSync(
    process.execPath,
    [
      '--no-warnings',
      TSX_CLI,
      path.join(ROOT, 'bench', 'fast-path-worker.ts'),
      'run',
      file,
      path.join(WORK_DIR, `fast-path-${process.pid}`),
      memoryLimit,
      variant,
    ],
    {
      cwd: ROOT,
      encoding: 'utf-8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ...LAMBDA_ENV, POWERTOOLS_LOG_LEVEL: 'WARN', AWS_LAMBDA_FUNCTION_NAME: 'etl-transform-in-lambda' },
    },
  );
  const line = child.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_MARKER));
  if (!line)
    return {
      kind: 'fast path',
      ms: Number.NaN,
      cpuMs: Number.NaN,
      maxRssBytes: 0,
      rowsOut: -1,
      error: `worker exited ${child.status}: ${child.stderr.slice(-800)}`,
    };
  return JSON.parse(line.slice(RESULT_MARKER.length)) as TransformRun;
}
